"""Building blocks shared by every aggregate in the domain."""
