"""The dependency lock's link to pyproject.toml (standard library only: `make lock` runs it before .venv exists).

    python tools/lock.py stamp    write the digest of pyproject.toml's dependency lists into requirements.txt
    python tools/lock.py check    exit 1 when requirements.txt was locked from other dependency lists

pip-compile keeps no record of what it was given, so a lock left behind by an edited pyproject.toml would
install without complaint; the digest line makes the disagreement visible (tests/unit/test_lock.py).
"""
from __future__ import annotations

import hashlib
import json
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOCK = ROOT / "requirements.txt"
BUILD_INPUT = ROOT / "requirements-build.in"
MARK = "# pyproject-sha256: "


def dependency_digest() -> str:
    """SHA-256 of everything the lock was resolved from: pyproject's dependency lists and the build tools."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    inputs = {
        "requires-python": project["project"].get("requires-python"),
        "dependencies": project["project"].get("dependencies", []),
        "optional-dependencies": project["project"].get("optional-dependencies", {}),
        "build-system": project["build-system"].get("requires", []),
        "build-tools": BUILD_INPUT.read_text(encoding="utf-8").split(),
    }
    return hashlib.sha256(json.dumps(inputs, sort_keys=True).encode()).hexdigest()


def recorded_digest() -> str | None:
    for line in LOCK.read_text(encoding="utf-8").splitlines():
        if line.startswith(MARK):
            return line[len(MARK):].strip()
    return None


def stamp() -> None:
    lines = [line for line in LOCK.read_text(encoding="utf-8").splitlines() if not line.startswith(MARK)]
    LOCK.write_text("\n".join([MARK + dependency_digest(), *lines]) + "\n", encoding="utf-8")


def main(argv: list[str]) -> int:
    if argv == ["stamp"]:
        stamp()
        return 0
    if argv == ["check"]:
        if recorded_digest() == dependency_digest():
            return 0
        print("requirements.txt was not locked from this pyproject.toml: run `make lock`", file=sys.stderr)
        return 1
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
