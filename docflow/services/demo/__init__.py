"""The demo ward (UBND phường Tích Sơn): its departments, accounts and signing keys (``ward``), and
documents walked through the real services (``documents``)."""

from docflow.services.demo.documents import INCOMING, OUTGOING, Stage, seed_demo_documents
from docflow.services.demo.province import DEMO_WARDS, PROVINCE_ADMIN, DemoWard, seed_demo_ward, seed_province_admin
from docflow.services.demo.ward import (
    DEMO_KEY_HOLDERS,
    DEMO_ORGAN_ID,
    DEMO_PASSWORD,
    DEMO_PIN,
    DEPARTMENTS,
    USERS,
    DemoAccount,
    seed_demo,
    seed_demo_keys,
)

__all__ = [
    "DEMO_WARDS", "PROVINCE_ADMIN", "DemoWard", "seed_demo_ward", "seed_province_admin",
    "DEMO_KEY_HOLDERS", "DEMO_ORGAN_ID", "DEMO_PASSWORD", "DEMO_PIN", "DEPARTMENTS", "INCOMING", "OUTGOING", "USERS", "DemoAccount",
    "Stage", "seed_demo", "seed_demo_documents", "seed_demo_keys",
]
