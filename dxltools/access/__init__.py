"""Who can read a note: the directory (groups, ACL, servers), compact stores, the resolver."""
