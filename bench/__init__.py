"""Benchmarks for casework: each figure beside a baseline measured in the same run.

``make bench`` (``python -m bench.run``) runs every benchmark and writes its section of
docs/benchmarks.md; ``python -m bench.run --quick`` is a smoke run with tiny counts.
"""
