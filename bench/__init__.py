"""docflow's performance benchmark: `make bench` (see bench/run.py) writes bench/RESULTS.md.

Nothing here is imported by the application or the tests; every figure is measured, never asserted.
"""
