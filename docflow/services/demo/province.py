"""The province demo (`docflow demo --wards 3`, issue 16): the first ward as ever (UBND phường Tích Sơn, today's
accounts), and wards 2 and 3 with the same departments and accounts prefixed "w2." and "w3." ("w2.vanthu"), the
same password and PIN, their own registers, keys and documents; each ward the others' exchange partner."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from docflow.config import Settings
from docflow.models import Organisation, Role, User, utc_now
from docflow.services.demo.ward import DEMO_ORGAN_ID, DEMO_PASSWORD, DemoAccount, seed_demo, seed_demo_people
from docflow.services.people.users import UserInput, create_user
from docflow.services.wards import provision_ward, set_province_admin


@dataclass(frozen=True)
class DemoWard:
    number: int
    name: str         # the first ward's comes from the configuration (app.organisation_name)
    code: str         # `docflow --ward CODE`, and the body part of its symbols
    organ_id: str

    @property
    def prefix(self) -> str:
        """What its demo accounts' usernames start with: "" for the first ward, "w2." for the second."""
        return "" if self.number == 1 else f"w{self.number}."


# Two wards of the same province as Tích Sơn (Phú Thọ since the 2025 reorganisation); "H99" is no province.
DEMO_WARDS = (
    DemoWard(1, "", "UBND", DEMO_ORGAN_ID),
    DemoWard(2, "UBND phường Vĩnh Phúc", "VPHUC", "000.00.02.H99"),
    DemoWard(3, "UBND phường Vĩnh Yên", "VYEN", "000.00.03.H99"),
)


def seed_demo_ward(session: Session, *, settings: Settings, ward: DemoWard,
                   now: datetime | None = None) -> tuple[Organisation, list[DemoAccount]]:
    """The demo ward ``ward``: made (``provision_ward``) when missing, then its departments, accounts and
    registers; what exists is kept. The first ward is `seed_demo`'s. Flushes."""
    now = now or utc_now()
    if ward.number == 1:
        accounts = seed_demo(session, organisation_name=settings.app.organisation_name, now=now)
        first = session.execute(select(Organisation).order_by(Organisation.id).limit(1)).scalar_one()
        return first, accounts
    org = session.execute(select(Organisation).where(Organisation.code == ward.code)).scalar_one_or_none()
    if org is None:
        org = provision_ward(session, settings=settings, name=ward.name, code=ward.code, organ_id=ward.organ_id,
                             now=now)
    return org, seed_demo_people(session, org=org, prefix=ward.prefix, now=now)


PROVINCE_ADMIN = "quantri.tinh"   # the province demo's province administrator (an account of the first ward)


def seed_province_admin(session: Session, *, now: datetime | None = None) -> str:
    """The province demo's province administrator: an administrator of the first ward, marked as the
    province's (he reaches /province/wards); made once. Returns the username. Flushes."""
    first = session.execute(select(Organisation).order_by(Organisation.id).limit(1)).scalar_one()
    if session.execute(select(User.id).where(User.username == PROVINCE_ADMIN)).first() is None:
        create_user(session, actor=None, organisation=first, password=DEMO_PASSWORD, now=now,
                    data=UserInput(username=PROVINCE_ADMIN, full_name="Quản trị cấp tỉnh", role=Role.ADMIN,
                                   post="Quản trị viên cấp tỉnh"))
    set_province_admin(session, username=PROVINCE_ADMIN, granted=True, now=now)
    return PROVINCE_ADMIN
