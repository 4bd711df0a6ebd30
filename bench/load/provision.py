"""The bench's wards: ward 1 is `docflow demo`'s (made by the CLI), wards 2..N are made here through docflow's
own services (``create_ward``, ``create_department``, the key enrolment), each bound with ``wards.acting_for``.

Thirty accounts a ward: the demo ward's sixteen (prefixed ``w<n>.`` from ward 2 on, as `docflow demo --wards`
names them) plus a second clerk and thirteen more officials. Passwords: argon2 is slow, so every account gets
the hash of ward 1's ``vanthu`` (the demo password) instead of one hashing per account. Signing keys: the
chairman's personal key and the ward's organisation key (the clerk's) for the first ``key_wards`` wards, all
under the ONE development CA of the deployment (per-ward CAs are not on main yet), under the demo PIN with the
production key wrapping (argon2id 64 MiB): that is what makes a key cost seconds to make.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from docflow import db, wards
from docflow.models import Certificate, Department, KeyGuard, Organisation, Register, RegisterKind, Role, User
from docflow.services import keys
from docflow.services.demo.ward import DEMO_PIN, DEPARTMENTS, USERS
from docflow.services.formatcheck.settings import seed_warning_only
from docflow.services.keys.certificates import ward_organisation
from docflow.services.people import organisation
from docflow.signing.base import CertificateKind

# (username, full name, role, post, department code): the 14 accounts that make a demo ward's 16 thirty.
EXTRA_USERS = (("vanthu2", "Nguyễn Văn An", Role.CLERK, "Văn thư", "VP"),) + tuple(
    (f"chuyenvien{i}.{tag}", f"Công chức {tag.upper()} {i}", Role.OFFICIAL, "Công chức", code)
    for code, tag, count in (("VP", "vp", 3), ("ĐC", "dc", 3), ("TP", "tp", 3), ("VHXH", "vh", 2), ("TCKT", "tc", 2))
    for i in range(2, 2 + count))
REGISTERS = ((RegisterKind.INCOMING, "den", "Sổ đăng ký văn bản đến"),
             (RegisterKind.OUTGOING, "di", "Sổ đăng ký văn bản đi"),
             (RegisterKind.RESOLUTION, "giai-quyet", "Sổ theo dõi giải quyết văn bản đến"))


@dataclass
class WardInfo:
    number: int
    id: int
    code: str
    prefix: str                               # "" for ward 1, "w2." …
    users: dict[str, tuple[int, str, int | None]] = field(default_factory=dict)  # bare name -> (id, role, dept)
    departments: dict[str, int] = field(default_factory=dict)   # code -> id
    registers: dict[tuple[str, int], int] = field(default_factory=dict)  # (kind, year) -> id
    keyed: bool = False
    issuing: bool = False                     # the ward's organisation key exists (the clerk issues)


def _ensure_registers(session: Session, org_id: int, years: range) -> None:
    for year in years:
        for kind, code, name in REGISTERS:
            exists = session.execute(select(Register.id).where(
                Register.organisation_id == org_id, Register.code == code, Register.year == year)).first()
            if not exists:
                session.add(Register(organisation_id=org_id, code=code, name=name, kind=kind, year=year))
    session.flush()


def _add_users(session: Session, org: Organisation, prefix: str, password_hash: str, now: datetime,
               specs: tuple[tuple[str, str, Role, str, str | None], ...]) -> None:
    departments = {d.code: d.id for d in session.execute(
        select(Department).where(Department.organisation_id == org.id)).scalars()}
    taken = set(session.execute(select(User.username).where(User.organisation_id == org.id)).scalars())
    for username, full_name, role, post, dept in specs:
        if prefix + username in taken:
            continue
        session.add(User(organisation_id=org.id, username=prefix + username, full_name=full_name, role=role,
                         post=post, department_id=departments[dept] if dept else None, password_hash=password_hash,
                         is_active=True, created_at=now, password_changed_at=now))
    session.flush()


def _enrol(session: Session, settings: object, org: Organisation, holder: User | None, redeemer: User,
           kind: CertificateKind) -> None:
    enrolment = keys.issue_for_enrolment(session, settings=settings, actor=None, holder=holder, kind=kind)
    if enrolment.certificate.organisation_id != org.id:
        # main records every certificate under the first ward (keys.certificates.ward_organisation); the
        # holder's ward is where enrol_pin and the signing services look for it
        session.execute(update(Certificate).where(Certificate.id == enrolment.certificate.id)
                        .values(organisation_id=org.id))
        session.execute(update(KeyGuard).where(KeyGuard.certificate_id == enrolment.certificate.id)
                        .values(organisation_id=org.id))
        session.expire_all()
    keys.enrol_pin(session, settings=settings, actor=redeemer, certificate_id=enrolment.certificate.id,
                   code=enrolment.code, pin=DEMO_PIN, confirm=DEMO_PIN)


def per_ward_keys(session: Session, org: Organisation) -> bool:
    """Whether this docflow records a ward's keys under the ward (issue 16): main does not yet, and a second
    organisation key would then supersede the first ward's."""
    return ward_organisation(session).id == org.id


def _keys(session: Session, settings: object, org: Organisation, prefix: str, image: str | None) -> None:
    chair = session.execute(select(User).where(User.username == prefix + "chutich")).scalar_one()
    _enrol(session, settings, org, chair, chair, CertificateKind.PERSONAL)
    chair.signature_image_sha256 = image
    if per_ward_keys(session, org):
        clerk = session.execute(select(User).where(User.username == prefix + "vanthu")).scalar_one()
        _enrol(session, settings, org, None, clerk, CertificateKind.ORGANISATION)
    session.flush()


def provision(settings: object, store: object, *, count: int, key_wards: int, years: range,
              log: object = print) -> list[WardInfo]:
    """Wards 2..count (ward 1 exists), their registers for ``years`` and keys; returns every ward's ids."""
    now = datetime.now(UTC)
    with db.transaction() as s:
        first = organisation.first_ward(s)
        clerk = s.execute(select(User).where(User.username == "vanthu")).scalar_one()
        password_hash = clerk.password_hash
        chair_image = s.execute(select(User.signature_image_sha256).where(User.username == "chutich")).scalar_one()
        with wards.acting_for(first.id):
            _add_users(s, first, "", password_hash, now, EXTRA_USERS)
            _ensure_registers(s, first.id, years)
    started = time.perf_counter()
    for n in range(2, count + 1):
        code = f"W{n:03d}"
        with db.transaction() as s:
            org = s.execute(select(Organisation).where(Organisation.code == code)).scalar_one_or_none()
            fresh = org is None
            if fresh:
                org = organisation.create_ward(s, name=f"UBND phường Thử Tải {n:03d}", code=code,
                                               organ_id=f"000.{n // 100:02d}.{n % 100:02d}.H98", now=now)
            with wards.acting_for(org.id):
                have = {d.code for d in s.execute(select(Department).where(
                    Department.organisation_id == org.id)).scalars()}
                for dcode, dname in DEPARTMENTS:
                    if dcode not in have:
                        organisation.create_department(s, actor=None, organisation=org, name=dname, code=dcode, now=now)
                _add_users(s, org, f"w{n}.", password_hash, now, USERS + EXTRA_USERS)
                _ensure_registers(s, org.id, years)
                # every ward's outgoing drafts share the demo ward's template PDF, whose header names ward 1:
                # Decree 30's format checks warn instead of refusing them (a setting of the ward's policy screen)
                seed_warning_only(s, organisation_id=org.id, now=now)
                if fresh and n <= key_wards:
                    _keys(s, settings, org, f"w{n}.", chair_image)
        if n % 10 == 0:
            log(f"  ward {n}/{count} ({time.perf_counter() - started:.0f} s)")
    return read_wards(key_wards)


def read_wards(key_wards: int) -> list[WardInfo]:
    """Every ward's ids as the database has them."""
    with db.transaction() as s:
        orgs = list(s.execute(select(Organisation).order_by(Organisation.id)).scalars())
        result = []
        for number, org in enumerate(orgs, start=1):
            prefix = "" if number == 1 else f"w{number}."
            info = WardInfo(number, org.id, org.code, prefix, keyed=number <= key_wards,
                            issuing=s.execute(select(Certificate.id).where(
                                Certificate.organisation_id == org.id, Certificate.kind == CertificateKind.ORGANISATION,
                                Certificate.status == "valid")).first() is not None)
            for u in s.execute(select(User).where(User.organisation_id == org.id)).scalars():
                bare = u.username[len(prefix):] if u.username.startswith(prefix) else u.username
                info.users[bare] = (u.id, u.role.value, u.department_id)
            info.departments = {d.code: d.id for d in s.execute(
                select(Department).where(Department.organisation_id == org.id)).scalars()}
            info.registers = {(r.kind.value, r.year): r.id for r in s.execute(
                select(Register).where(Register.organisation_id == org.id)).scalars()}
            result.append(info)
    return result
