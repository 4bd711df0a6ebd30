"""The petition tests' ward (tests.services.petitions.wardset)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.services.petitions.wardset import PetitionWard, build_pward, with_certificates


@pytest.fixture
def pward(make_department: Any, make_user: Any) -> PetitionWard:
    return build_pward(make_department, make_user)


@pytest.fixture
def signing_ward(pward: PetitionWard, issue_cert: Any) -> PetitionWard:
    return with_certificates(pward, issue_cert)
