"""The file system: atomic writes, locks, finding input files, where output goes, counting reads."""
