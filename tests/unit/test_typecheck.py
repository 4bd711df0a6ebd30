"""The package type-checks: services and the rest of docflow/ are fully annotated (STYLE.md §9)."""

from __future__ import annotations

import subprocess
import sys

from docflow.paths import PROJECT_ROOT


def test_mypy_finds_no_errors_in_the_package():
    result = subprocess.run([sys.executable, "-m", "mypy", "docflow"], cwd=PROJECT_ROOT, capture_output=True,
                            text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-3000:]
