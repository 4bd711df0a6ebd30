"""Archive transfer packages (issue 14 §2; R57): the closed files of a year as one ZIP that verifies offline."""

from __future__ import annotations

import zipfile

import pytest

from docflow.auditlog.transferpack import verify_transfer
from docflow.services.keys import root_certificates_pem
from docflow.services.records.transfer import build_transfer
from tests.services.outgoing.test_outgoing import ward  # noqa: F401 - the ward fixture
from tests.services.records.transfer_helpers import YEAR, checkpointer, closed_year, with_organ_id  # noqa: F401


@pytest.fixture
def package(db_session, signing_settings, store, ward, checkpointer, tmp_path):
    settings = with_organ_id(signing_settings)
    year = closed_year(db_session, settings, store, ward)
    built = build_transfer(db_session, settings=settings, store=store, actor=ward.clerk, year=YEAR)
    path = tmp_path / "package.zip"
    path.write_bytes(built.data)
    return path


def test_smoke(package, signing_settings):
    with zipfile.ZipFile(package) as z:
        print(sorted(z.namelist()))
        print(z.read("metadata.xml").decode())
    report = verify_transfer(package, [root_certificates_pem(signing_settings)[0]])
    print(report)
    assert report.ok
