"""`make bench-ocr`: OCR throughput of docflow's pipeline against bare `tesseract` on the same pages.

    .venv/bin/python -m bench.ocr [--db sqlite|postgresql|both] [--pages N] [--rounds N] [--out bench/OCR.md]

The work is in bench/ocrbench.py. This entry module imports nothing at the top on purpose: docflow renders
each page in a child of multiprocessing's fork server, and every such child imports the ``__main__`` module
again; `docflow run`'s main module (docflow.cli) is light by design, and so must the benchmark's be, or the
benchmark would time its own imports (tests.conftest, Flask) into every page.
"""

import sys

if __name__ == "__main__":
    from bench.ocrbench import main
    sys.exit(main())
