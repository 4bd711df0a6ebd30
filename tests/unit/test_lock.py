"""The install is the lock: pyproject.toml and requirements*.txt agree, this environment holds exactly the
locked set, and the signing stack imports without a warning (issue 10, part 0)."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from importlib import metadata

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from docflow.paths import PROJECT_ROOT
from tests.conftest import is_postgres

pytestmark = pytest.mark.skipif(is_postgres(), reason="touches no database: runs once, in the SQLite pass")

PIN = re.compile(r"^([A-Za-z0-9_.\-]+)==([^ \\]+)")


def pins(name: str) -> dict[str, str]:
    text = (PROJECT_ROOT / name).read_text(encoding="utf-8")
    found = {canonicalize_name(m[1]): m[2] for line in text.splitlines() if (m := PIN.match(line))}
    # pip --require-hashes refuses any requirement without one; check it here too, with the file named
    assert text.count("==") == len(found) and text.count("--hash=sha256:") >= len(found), name
    return found


def locked() -> dict[str, str]:
    return pins("requirements.txt") | pins("requirements-build.txt")


def test_the_lock_was_made_from_this_pyproject():
    result = subprocess.run([sys.executable, "tools/lock.py", "check"], cwd=PROJECT_ROOT, capture_output=True,
                            text=True)
    assert result.returncode == 0, result.stderr


def test_every_declared_requirement_is_satisfied_by_its_pin():
    project = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    declared = [*project["project"]["dependencies"], *project["project"]["optional-dependencies"]["test"],
                *project["build-system"]["requires"],
                *(PROJECT_ROOT / "requirements-build.in").read_text(encoding="utf-8").split()]
    lock = locked()
    for line in declared:
        requirement = Requirement(line)
        version = lock.get(canonicalize_name(requirement.name))
        assert version is not None, f"{requirement.name} is not locked"
        assert requirement.specifier.contains(version, prereleases=True), f"{requirement} vs locked {version}"


def test_this_environment_is_exactly_the_locked_set():
    installed = {canonicalize_name(d.metadata["Name"]): d.version for d in metadata.distributions()}
    installed.pop("docflow")
    assert installed == locked()


def test_pip_check_is_clean():
    result = subprocess.run([sys.executable, "-m", "pip", "check"], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout


def test_the_signing_stack_imports_without_any_warning():
    result = subprocess.run(
        [sys.executable, "-W", "error", "-c",
         "import pyhanko.sign.signers, pyhanko.sign.validation, docflow.signing.sign"],
        cwd=PROJECT_ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-2000:]
