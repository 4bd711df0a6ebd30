"""The province demo's wards trust each other for the exchange (issue 16 §1): each ward registers every other
as a partner, under the other's own root, with the deployment's shared inbox folder as its address, so a
document one ward issues to another travels as between agencies (edXML, sealed by the sender's system key)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from docflow import wards
from docflow.config import Settings
from docflow.models import ExchangePartner, Organisation, utc_now
from docflow.services import keys
from docflow.services.exchange import partners
from docflow.services.people.organisation import organ_id_of


def inbox_url(settings: Settings) -> str:
    """Where the wards of this deployment drop messages for each other: the configured inbox folder (the
    receiving side picks the ward by the message's To OrganId), else a folder under data_dir."""
    folder = settings.exchange.inbox_folder or (settings.app.data_dir / "exchange" / "inbox")
    return f"folder:{folder.resolve()}"


def partner_demo_wards(session: Session, *, settings: Settings, codes: list[str]) -> int:
    """Each demo ward named by ``codes`` becomes every other's partner (what exists is kept). Returns how many
    partner records were added. Flushes."""
    if settings.signing.ca != "development":
        return 0
    found = list(session.execute(select(Organisation).where(Organisation.code.in_(codes))
                                 .order_by(Organisation.id)).scalars())
    roots: dict[int, bytes] = {}
    for ward in found:
        with wards.acting_for(ward.id):
            root = keys.ca_directory(settings) / "root.pem"
        if root.exists() and organ_id_of(ward, settings):
            roots[ward.id] = root.read_bytes()
    added = 0
    for ward in found:
        for other in found:
            if other.id == ward.id or ward.id not in roots or other.id not in roots:
                continue
            organ = organ_id_of(other, settings)
            if session.execute(select(ExchangePartner.id).where(
                    ExchangePartner.organisation_id == ward.id, ExchangePartner.organ_id == organ)).first():
                continue
            with wards.acting_for(ward.id):
                partners.add_partner(session, organisation=ward, organ_id=organ, trust_root=roots[other.id],
                                     actor=None, now=utc_now(), name=other.name, url=inbox_url(settings))
            added += 1
    return added
