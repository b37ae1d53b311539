"""The benchmark: `python -m bench.run` (see run.py)."""
