"""The streaming well-formedness, structure and DTD checker."""
