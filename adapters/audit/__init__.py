"""Audit at the edge: verifying the hash chains, checkpoints, and history exports."""
