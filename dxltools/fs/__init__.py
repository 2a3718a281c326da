"""The file system: atomic writes, locks, finding input files, counting reads."""
