"""`docflow keys …`: the ward's development CA and the officials' signing certificates."""

from __future__ import annotations

import os
from pathlib import Path

import click
from sqlalchemy import select

from docflow import appctx, db, wards
from docflow.commands.context import bind_context, with_app
from docflow.errors import DocflowError
from docflow.models import Certificate
from docflow.models.base import utc_now
from docflow.services import keys as key_service
from docflow.services.people import find_user_by_username
from docflow.services.people.organisation import get_organisation
from docflow.signing.base import CertificateKind


def read_pin(pin_env: str | None, *, confirm: bool) -> str:
    """The signing PIN from the named environment variable, or asked (twice when ``confirm``)."""
    if pin_env:
        value = os.environ.get(pin_env)
        if not value:
            raise click.ClickException(f"the environment variable {pin_env} is not set")
        return value
    return str(click.prompt("Signing PIN", hide_input=True, confirmation_prompt=confirm))


@click.group()
def keys() -> None:
    """The ward's CA and signing certificates."""


@keys.command("init")
@click.option("--base-url", default="http://127.0.0.1:5000", show_default=True,
              help="where docflow serves /pki/crl and /pki/ocsp (written into every certificate)")
@with_app
def keys_init(base_url: str) -> None:
    """Create the development CA: root, issuing CA, TSA, OCSP responder and CRL. Safe to run again."""
    settings = appctx.settings()
    existed = (key_service.ca_directory(settings) / "root.pem").exists()
    name = settings.app.organisation_name
    if wards.current_ward_id() is not None:   # `docflow --ward CODE keys init`: that ward's own CA, in its name
        with db.transaction() as s:
            name = get_organisation(s).name
    key_service.init_ca(settings, organisation=name, base_url=base_url)
    where = key_service.ca_directory(settings)
    click.echo(f"The ward's CA {'already exists' if existed else 'was created'} in {where}.")


@keys.command("issue")
@click.argument("username", required=False)
@click.option("--organisation", "kind", flag_value="organisation", help="the ward's organisation certificate")
@click.option("--system", "kind", flag_value="system", help="the ward's system certificate (audit checkpoints)")
@click.option("--personal", "kind", flag_value="personal", default=True, hidden=True)
@click.option("--key-type", type=click.Choice(["rsa", "ec"]), default="rsa", show_default=True)
@click.option("--pin-env", default=None,
              help="wrap the key under the PIN in this environment variable (scripts and tests) instead of "
                   "printing an enrolment code for the holder")
@with_app
def keys_issue(username: str | None, kind: str, key_type: str, pin_env: str | None) -> None:
    """Issue (or re-issue) a certificate and print the one-time enrolment code with which its holder
    chooses the PIN (on their "My signature" page)."""
    settings = appctx.settings()
    cert_kind = CertificateKind(kind)
    if cert_kind is CertificateKind.PERSONAL and not username:
        raise click.ClickException("name the user: docflow keys issue USERNAME")
    code = None
    with db.transaction() as s:
        holder = find_user_by_username(s, username) if username else None
        if cert_kind is CertificateKind.PERSONAL and holder is None:
            raise click.ClickException(f"no user named {username}")
        if cert_kind is CertificateKind.SYSTEM or pin_env:
            # The system key opens with the CA passphrase (it signs audit checkpoints unattended).
            pin = "" if cert_kind is CertificateKind.SYSTEM else read_pin(pin_env, confirm=False)
            row = key_service.issue_certificate(s, settings=settings, actor=None, holder=holder, kind=cert_kind,
                                                pin=pin, key_type=key_type)
            del pin
        else:
            enrolment = key_service.issue_for_enrolment(s, settings=settings, actor=None, holder=holder,
                                                        kind=cert_kind, key_type=key_type)
            row, code = enrolment.certificate, enrolment.code
    click.echo(f"Issued certificate {row.serial} ({row.kind.value}) for {row.subject}, "
               f"valid until {row.not_after:%Y-%m-%d}; key in {settings.app.keys_dir / (row.key_path or '')}.")
    if code is not None:
        click.echo(f"Enrolment code (shown once; give it to the holder, who chooses the PIN with it): {code}")


@keys.command("revoke")
@click.argument("serial")
@click.option("--reason", type=click.Choice(["unspecified", "key_compromise", "affiliation_changed", "superseded",
                                             "cessation_of_operation"]), required=True)
@with_app
def keys_revoke(serial: str, reason: str) -> None:
    """Revoke a certificate by its serial number (hex, as `docflow keys list` shows it)."""
    with db.transaction() as s:
        cert_id = s.execute(select(Certificate.id).where(Certificate.serial == serial.lower())).scalar()
        if cert_id is None:
            raise click.ClickException(f"no certificate with serial {serial}")
        key_service.revoke_certificate(s, settings=appctx.settings(), actor=None, certificate_id=cert_id,
                                       reason=reason)
    click.echo(f"Certificate {serial} is revoked ({reason}); the CRL and OCSP say so from now on.")


@keys.command("list")
@with_app
def keys_list() -> None:
    """Every certificate with its holder, status and expiry."""
    now = utc_now()
    ward = get_organisation(db.get_session())   # the one ward, or the one `docflow --ward CODE` names
    for c in db.get_session().execute(select(Certificate).where(Certificate.organisation_id == ward.id)
                                      .order_by(Certificate.id)).scalars():
        holder = c.holder.username if c.holder else f"({c.kind.value})"
        days = (c.not_after - now).days
        state = c.status.value if c.status.value != "valid" else ("expired" if days < 0 else f"{days} days left")
        click.echo(f"{c.serial:<34} {holder:<16} {c.kind.value:<12} {c.not_after:%Y-%m-%d}  {state}")


@keys.command("root")
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), required=True)
def keys_root(out: Path) -> None:
    """Write the ward's root certificate (PEM), for verifiers elsewhere."""
    bind_context()
    if (appctx.settings().app.keys_dir / key_service.WARDS_FOLDER).is_dir():
        # Several wards have their own CAs: refuse to guess whose root is meant (`docflow --ward CODE`).
        try:
            with db.transaction() as s:
                get_organisation(s)
        except DocflowError as exc:
            raise click.ClickException(str(exc)) from None
    pems = key_service.root_certificates_pem(appctx.settings())
    if not pems:
        raise click.ClickException("no root certificate: run `docflow keys init` first")
    out.write_bytes(pems[-1])
    click.echo(f"Wrote the ward's root certificate to {out}.")


@keys.command("token")
@click.argument("username")
@click.option("--pin-env", default=None, help="read the token PIN from this environment variable instead of asking")
@with_app
def keys_token(username: str, pin_env: str | None) -> None:
    """Register the certificate on USERNAME's hardware token (configured in signing.tokens) for signing."""
    with db.transaction() as s:
        holder = find_user_by_username(s, username)
        if holder is None:
            raise click.ClickException(f"no user named {username}")
        pin = read_pin(pin_env, confirm=False)
        row = key_service.register_token_certificate(s, settings=appctx.settings(), actor=None, holder=holder,
                                                     pin=pin)
        del pin
    click.echo(f"{username} signs with the token's certificate {row.serial} ({row.subject}), "
               f"valid until {row.not_after:%Y-%m-%d}.")


@keys.command("import")
@click.argument("username", required=False)
@click.argument("p12", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--organisation", "kind", flag_value="organisation", help="the ward's organisation certificate")
@click.option("--system", "kind", flag_value="system", help="the ward's system certificate")
@click.option("--personal", "kind", flag_value="personal", default=True, hidden=True)
@click.option("--pin-env", default=None,
              help="read the PKCS#12 file's password from this environment variable instead of asking")
@with_app
def keys_import(username: str | None, p12: Path, kind: str, pin_env: str | None) -> None:
    """Take a PKCS#12 file issued by the ward's real CA as USERNAME's (or the ward's) signing key."""
    cert_kind = CertificateKind(kind)
    with db.transaction() as s:
        holder = find_user_by_username(s, username) if username else None
        if cert_kind is CertificateKind.PERSONAL and holder is None:
            raise click.ClickException(f"no user named {username}")
        password = read_pin(pin_env, confirm=False)   # the file's password, never the signing PIN
        imported = key_service.import_pkcs12_certificate(s, settings=appctx.settings(), actor=None,
                                                         holder=holder, kind=cert_kind, source=p12, pin=password)
        del password
    row = imported.certificate
    click.echo(f"Imported certificate {row.serial} ({row.subject}), valid until {row.not_after:%Y-%m-%d}.")
    if imported.code is not None:
        click.echo(f"Enrolment code (shown once; give it to the holder, who chooses the PIN with it): "
                   f"{imported.code}")
