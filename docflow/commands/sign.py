"""`docflow sign`: sign a PDF file from a script or a batch, with a PKCS#12 file or a user's key."""

from __future__ import annotations

import dataclasses
import hashlib
from pathlib import Path

import click

from docflow import appctx, db
from docflow.commands.context import with_app
from docflow.commands.keys import read_pin
from docflow.config import Settings
from docflow.services import audit
from docflow.services import keys as key_service
from docflow.services import signatures as signing_service
from docflow.services.audit import AuditAction
from docflow.services.people import find_user_by_username
from docflow.signing.base import PadesLevel, SignatureKind
from docflow.signing.keys import load_pkcs12
from docflow.signing.sign import Appearance, SignRequest, sign_pdf


@click.command("sign")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option("--p12", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="a PKCS#12 key file")
@click.option("--user", "username", default=None, help="sign with this docflow user's key")
@click.option("--kind", type=click.Choice([k.value for k in SignatureKind]), default="personal", show_default=True)
@click.option("--level", type=click.Choice([lv.value for lv in PadesLevel]), default=None,
              help="PAdES level (default: the configured level for the kind)")
@click.option("--visible/--invisible", default=True, show_default=True)
@click.option("--pin-env", default=None, help="read the PIN from this environment variable instead of asking")
@with_app
def sign(file: Path, out: Path, p12: Path | None, username: str | None, kind: str, level: str | None,
         visible: bool, pin_env: str | None) -> None:
    """Sign FILE into OUT as an incremental update (earlier signatures stay valid)."""
    if (p12 is None) == (username is None):
        raise click.ClickException("give exactly one of --p12 FILE or --user NAME")
    settings = appctx.settings()
    sig_kind = SignatureKind(kind)
    pades = PadesLevel(level) if level else signing_service.level_for(settings, sig_kind)
    request = SignRequest(kind=sig_kind, level=pades)
    pin = read_pin(pin_env, confirm=False)
    if p12 is not None:
        signed = _sign_with_file(file, p12, pin, request, settings, visible=visible)
    else:
        signed = _sign_as_user(file, username or "", pin, request, settings, visible=visible)
    del pin
    tmp = out.with_name(out.name + ".part")
    tmp.write_bytes(signed)
    tmp.replace(out)
    click.echo(f"Signed {file} → {out} ({request.level.value}).")


def _sign_with_file(file: Path, p12: Path, pin: str, request: SignRequest, settings: Settings, *,
                    visible: bool) -> bytes:
    key = load_pkcs12(p12, pin)
    subject = key.certificate.subject.native
    appearance = Appearance(mode_line=None, post=str(subject.get("title", "")).upper(),
                            full_name=str(subject.get("common_name", "")), signature_image=None,
                            seal_image=None, number_symbol=None) if visible else None
    return sign_pdf(file.read_bytes(), key, dataclasses.replace(request, appearance=appearance),
                    signing_service.signing_context(settings, request.level))


def _sign_as_user(file: Path, username: str, pin: str, request: SignRequest, settings: Settings, *,
                  visible: bool) -> bytes:
    """Sign with a docflow user's key, in a transaction: a wrong PIN is counted (and may lock the key)
    here as on the web."""
    data = file.read_bytes()
    with db.transaction() as session:
        user = find_user_by_username(session, username)
        if user is None:
            raise click.ClickException(f"no user named {username}")
        certificate = key_service.certificate_for(session, actor=user,
                                                  kind=signing_service.certificate_kind(request.kind))
        if request.kind not in signing_service.ORGANISATION_KINDS:
            signing_service.check_holder(certificate, user)   # R61: the holder, within the holder's post
        appearance = signing_service.appearance_for(user, request.kind, store=None) if visible else None
        with key_service.open_signing_key(session, settings, actor=user, certificate=certificate, pin=pin) as key:
            signed = sign_pdf(data, key, dataclasses.replace(request, appearance=appearance),
                              signing_service.signing_context(settings, request.level))
        # No document, route or register stands behind this signature: the log is what lets an auditor
        # find a ward key's signature (the seal's above all) made from the command line.
        audit.record(session, action=AuditAction.FILE_SIGNED, actor=user, object_type="file",
                     object_id=hashlib.sha256(signed).hexdigest(),
                     details={"kind": request.kind.value, "level": request.level.value, "file": file.name,
                              "parent_sha256": hashlib.sha256(data).hexdigest(),
                              "certificate_serial": certificate.serial})
    return signed
