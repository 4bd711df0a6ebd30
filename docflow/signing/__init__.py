"""The signing service: keys, PAdES signing, stamps and verification.

Bytes in, bytes or result values out. Nothing here imports the database or Flask (DESIGN.md §5), so the
CLI, the web app and the benchmarks all call the same functions.
"""
