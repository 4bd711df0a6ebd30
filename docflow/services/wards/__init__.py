"""Many wards in one deployment (issue 16): a new ward made usable at once (``provision_ward``: its registers,
its own key folder, development CA and system key), and the province administrator who creates wards and their
first administrators (``province``)."""

from docflow.services.wards.province import (
    NewWard,
    create_ward_with_admin,
    may_administer_province,
    require_province_admin,
    set_province_admin,
    ward_overview,
)
from docflow.services.wards.provisioning import provision_ward, provision_ward_keys, ward_registers

__all__ = [
    "NewWard", "create_ward_with_admin", "may_administer_province", "provision_ward", "provision_ward_keys",
    "require_province_admin", "set_province_admin", "ward_overview", "ward_registers",
]
