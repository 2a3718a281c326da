"""A rewrite of one input: the streaming core (stream), what watches it (taps),
the read-back check (digest), one file in parts side by side (parts), a path
replaced atomically (file), and the diff of two versions (diff)."""
