"""A rewrite of one input: the streaming core (stream) and one file in parts side by side."""
