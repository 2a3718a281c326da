"""`python -m dxltools`: the same as the `dxltools` command."""

from dxltools.cli.launch import main

main()
