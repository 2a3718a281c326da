"""The exit statuses of every `dxltools` command (README: Exit status)."""

EXIT_OK = 0  # done, valid, or nothing to change
EXIT_FOUND = 1  # run --check: something would change; validate, audit: problems found
EXIT_ERROR = 2  # bad usage or bad input, told in one line on stderr

# What EXIT_FOUND means to each command, for code that reads better with it.
EXIT_WOULD_CHANGE = EXIT_PROBLEMS = EXIT_FOUND
