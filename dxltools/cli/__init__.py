"""The command line: the only code that imports click, prints, or knows exit statuses."""
