"""Many wards in one deployment (issue 16 §1): a ward made by `provision_ward` is usable at once (this year's
registers, R6: numbers per register and year), has its own CA and system key apart from the first ward's (which
stays in keys_dir/ca), and every ward's root is trusted for the documents of the same deployment."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from docflow import wards
from docflow.errors import ConflictError, ValidationError
from docflow.models import Certificate, Register, RegisterKind, utc_now
from docflow.services import keys
from docflow.services.registers.numbers import take_number
from docflow.services.wards import provision_ward
from docflow.signing.base import CertificateKind


def test_r6_a_new_ward_has_its_own_registers_keys_and_numbers_from_one(db_session, org, signing_settings):
    first_root = (keys.ca_directory(signing_settings) / "root.pem").read_bytes()
    ward = provision_ward(db_session, settings=signing_settings, name="UBND phường Vĩnh Yên", code="VYEN",
                          organ_id="000.00.03.H99")
    year = utc_now().astimezone(signing_settings.app.zone).year
    kinds = set(db_session.execute(select(Register.kind).where(Register.organisation_id == ward.id,
                                                                Register.year == year)).scalars())
    assert kinds == set(RegisterKind)
    folder = signing_settings.app.keys_dir / "wards" / str(ward.id)
    assert (folder / "ca" / "root.pem").exists()
    assert (folder / "ca" / "root.pem").read_bytes() != first_root
    # the first ward's CA stays where it always was
    assert keys.ca_directory(signing_settings) == signing_settings.app.keys_dir / "ca"
    with wards.acting_for(ward.id):
        assert keys.ca_directory(signing_settings) == folder / "ca"
        roots = keys.root_certificates_pem(signing_settings)
        _register, number = take_number(db_session, organisation=ward, kind=RegisterKind.OUTGOING, year=year)
    assert number == 1
    assert roots[-1] == (folder / "ca" / "root.pem").read_bytes() and first_root in roots
    system = db_session.execute(select(Certificate).where(Certificate.organisation_id == ward.id,
                                                          Certificate.kind == CertificateKind.SYSTEM)).scalar_one()
    assert system.key_path is not None and system.key_path.startswith(f"wards/{ward.id}/users/")
    # the first ward has no system certificate of its own yet: the new ward's was not taken as its
    with wards.acting_for(org.id):
        assert keys.ca_directory(signing_settings) == signing_settings.app.keys_dir / "ca"


def test_a_ward_needs_a_name_and_a_code_without_spaces_and_a_code_not_taken(db_session, org, signing_settings):
    for name, code in (("", "X"), ("UBND phường X", ""), ("UBND phường X", "A B")):
        with pytest.raises(ValidationError):
            provision_ward(db_session, settings=signing_settings, name=name, code=code)
    with pytest.raises(ConflictError):
        provision_ward(db_session, settings=signing_settings, name="UBND phường Y", code=org.code)
    with pytest.raises(ValidationError):
        provision_ward(db_session, settings=signing_settings, name="UBND phường Z", code="Z", organ_id="H99")
