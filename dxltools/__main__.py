"""`python -m dxltools`: the same as the `dxltools` command."""

from dxltools.cli.main import main

main()
