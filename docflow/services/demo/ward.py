"""The demo ward: UBND phường Tích Sơn with its departments, a user for every role and signing keys."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from docflow.config import Settings
from docflow.models import Certificate, Department, Organisation, Register, RegisterKind, Role, User, utc_now
from docflow.services import audit, keys
from docflow.services.audit import AuditAction
from docflow.services.people import organisation
from docflow.services.people.users import UserInput, create_user
from docflow.signing.base import CertificateKind
from docflow.storage import DocumentStore

DEMO_PASSWORD = "TichSon@2026"  # printed by `docflow demo`; a demo ward is not a production ward
# The demo ward's organ identifier (mã định danh): "H99" is no province, so it cannot be taken for a real body.
DEMO_ORGAN_ID = "000.00.01.H99"

DEPARTMENTS = (
    ("VP", "Văn phòng – Thống kê"),
    ("ĐC", "Địa chính – Xây dựng"),
    ("TP", "Tư pháp – Hộ tịch"),
    ("VHXH", "Văn hóa – Xã hội"),
    ("TCKT", "Tài chính – Kế toán"),
)

# username, full name, role, post, department code
USERS = (
    ("admin", "Quản trị hệ thống", Role.ADMIN, "Quản trị viên", "VP"),
    ("vanthu", "Nguyễn Thị Hoa", Role.CLERK, "Văn thư", "VP"),
    ("chutich", "Trần Văn Minh", Role.LEADER, "Chủ tịch", None),
    ("phochutich1", "Lê Thị Thu Hà", Role.LEADER, "Phó Chủ tịch", None),
    ("phochutich2", "Phạm Quốc Dũng", Role.LEADER, "Phó Chủ tịch", None),
    ("truongvp", "Đỗ Thị Lan", Role.HEAD, "Chánh Văn phòng", "VP"),
    ("truongdc", "Hoàng Văn Nam", Role.HEAD, "Trưởng bộ phận Địa chính – Xây dựng", "ĐC"),
    ("truongtp", "Vũ Thị Mai", Role.HEAD, "Trưởng bộ phận Tư pháp – Hộ tịch", "TP"),
    ("truongvh", "Bùi Đức Thắng", Role.HEAD, "Trưởng bộ phận Văn hóa – Xã hội", "VHXH"),
    ("truongtc", "Ngô Thị Bích", Role.HEAD, "Kế toán trưởng", "TCKT"),
    ("chuyenvien.vp", "Đặng Minh Tuấn", Role.OFFICIAL, "Chuyên viên Văn phòng", "VP"),
    ("chuyenvien.dc", "Phan Thị Ngọc", Role.OFFICIAL, "Công chức Địa chính", "ĐC"),
    ("chuyenvien.tp", "Trịnh Văn Long", Role.OFFICIAL, "Công chức Tư pháp – Hộ tịch", "TP"),
    ("chuyenvien.vh", "Lý Thị Hương", Role.OFFICIAL, "Công chức Văn hóa – Xã hội", "VHXH"),
    ("chuyenvien.tc", "Mai Văn Hùng", Role.OFFICIAL, "Công chức Tài chính – Kế toán", "TCKT"),
    ("thanhtra", "Cao Thị Yến", Role.AUDITOR, "Thanh tra viên", None),
)


@dataclass(frozen=True)
class DemoAccount:
    username: str
    full_name: str
    role: Role
    post: str


def seed_demo(session: Session, *, organisation_name: str, now: datetime | None = None) -> list[DemoAccount]:
    """Create the demo ward's departments, users and this year's registers; what exists is kept.
    Returns every demo account. Flushes."""
    now = now or utc_now()
    org = organisation.ensure_organisation(session, name=organisation_name, now=now)
    if not org.organ_id:
        organisation.set_organ_id(session, org=org, organ_id=DEMO_ORGAN_ID, now=now)
    return seed_demo_people(session, org=org, prefix="", now=now)


def seed_demo_people(session: Session, *, org: Organisation, prefix: str, now: datetime) -> list[DemoAccount]:
    """The demo departments and accounts of ``org`` (usernames ``prefix`` + the first ward's: "w2.vanthu"),
    and this year's registers; what exists is kept. Flushes."""
    departments = {d.code: d for d in session.execute(
        select(Department).where(Department.organisation_id == org.id)).scalars()}
    for code, name in DEPARTMENTS:
        if code not in departments:
            departments[code] = organisation.create_department(session, actor=None, organisation=org,
                                                               name=name, code=code, now=now)
    created = []
    for username, full_name, role, post, dept_code in USERS:
        exists = session.execute(select(User.id).where(User.username == prefix + username)).first()
        if not exists:
            create_user(session, actor=None, organisation=org, password=DEMO_PASSWORD, now=now,
                        data=UserInput(username=prefix + username, full_name=full_name, role=role, post=post,
                                       department_id=departments[dept_code].id if dept_code else None))
            created.append(prefix + username)
    _ensure_registers(session, org, now.year)
    if created:
        audit.record(session, action=AuditAction.DEMO_SEEDED, actor=None, object_type="organisation",
                     object_id=org.id, details={"users_created": created}, now=now)
    return [DemoAccount(prefix + u, n, r, p) for u, n, r, p, _ in USERS]


def _ensure_registers(session: Session, org: Organisation, year: int) -> None:
    wanted = ((RegisterKind.INCOMING, "den", "Sổ đăng ký văn bản đến"),
              (RegisterKind.OUTGOING, "di", "Sổ đăng ký văn bản đi"),
              (RegisterKind.RESOLUTION, "giai-quyet", "Sổ theo dõi giải quyết văn bản đến"))
    for kind, code, name in wanted:
        exists = session.execute(select(Register.id).where(
            Register.organisation_id == org.id, Register.code == code, Register.year == year)).first()
        if not exists:
            session.add(Register(organisation_id=org.id, code=code, name=name, kind=kind, year=year))
    session.flush()


DEMO_PIN = "246810"  # every demo signing key's PIN, printed by `docflow demo`
# Who gets a demo signing key: the leaders sign, the heads initial; the clerk uses the organisation's key.
DEMO_KEY_HOLDERS = ("chutich", "phochutich1", "phochutich2", "truongvp", "truongdc", "truongtp", "truongvh",
                    "truongtc")


def seed_demo_keys(session: Session, *, settings: Settings, store: DocumentStore,
                   now: datetime | None = None, prefix: str = "") -> list[str]:
    """The demo ward's CA, a certificate for every signer and for the organisation (all under DEMO_PIN, set
    the way a holder sets it: an enrolment code redeemed with the PIN), the system certificate for audit
    checkpoints (under the CA passphrase),
    and a handwritten signature image per signer. What exists is kept. Returns what was issued. Flushes."""
    from docflow.signing.stamp import demo_signature_png  # pyHanko loads when a key is used, not at start-up

    if settings.signing.ca != "development":
        return []
    org = organisation.get_organisation(session)   # the bound ward (the demo's only one, or the one seeded)
    keys.init_ca(settings, organisation=settings.app.organisation_name if not prefix else org.name)
    issued = []
    held = set(session.execute(select(Certificate.holder_id).where(Certificate.status == "valid")).scalars())
    for username in DEMO_KEY_HOLDERS:
        user = session.execute(select(User).where(User.username == prefix + username)).scalar_one()
        if user.id not in held:
            _enrol(session, settings=settings, holder=user, redeemer=user, kind=CertificateKind.PERSONAL, now=now,
                   key_type="ec" if username == "phochutich2" else "rsa")
            issued.append(prefix + username)
        if user.signature_image_sha256 is None:
            user.signature_image_sha256 = store.put_bytes(demo_signature_png(user.full_name))
    for kind in (CertificateKind.ORGANISATION, CertificateKind.SYSTEM):   # the system key signs audit checkpoints
        if not session.execute(select(Certificate.id).where(Certificate.organisation_id == org.id,
                                                            Certificate.kind == kind,
                                                            Certificate.status == "valid")).first():
            if kind is CertificateKind.SYSTEM:
                keys.issue_certificate(session, settings=settings, actor=None, holder=None, kind=kind, pin="",
                                       now=now)
            else:
                clerk = session.execute(select(User).where(User.username == prefix + "vanthu")).scalar_one()
                _enrol(session, settings=settings, holder=None, redeemer=clerk, kind=kind, now=now)
            issued.append(kind.value)
    session.flush()
    return issued


def _enrol(session: Session, *, settings: Settings, holder: User | None, redeemer: User, kind: CertificateKind,
           now: datetime | None, key_type: str = "rsa") -> None:
    """Issue with an enrolment code and redeem it with DEMO_PIN, as the holder (the clerk for the ward's key)
    would on their "My signature" page: the demo shows the same path as a real ward."""
    enrolment = keys.issue_for_enrolment(session, settings=settings, actor=None, holder=holder, kind=kind,
                                         key_type=key_type, now=now)
    keys.enrol_pin(session, settings=settings, actor=redeemer, certificate_id=enrolment.certificate.id,
                   code=enrolment.code, pin=DEMO_PIN, confirm=DEMO_PIN, now=now)
