"""The ward's signing keys and certificates: the development CA, issuing, importing (PKCS#12 and hardware
tokens), revocation, the holder's PIN (enrolment, change) and opening a key with it, and the PIN guards
(trivial PINs refused, wrong ones counted, keys locked).

``from docflow.services import keys as key_service; key_service.open_signing_key(...)`` is how the rest of
docflow uses it: callers look names up on this package, so a test patches them here.
"""

from docflow.services.keys.ca import (
    ca_directory,
    ca_passphrase,
    every_ca_directory,
    init_ca,
    kdf_params,
    make_ward_keys_dir,
    open_ca,
    revocation_checker,
    root_certificates_pem,
    WARDS_FOLDER,
    ward_keys_dir,
)
from docflow.services.keys.certificates import (
    HOLDER_ROLES,
    REVOCATION_REASONS,
    CertificateRow,
    certificate_for,
    expiring,
    list_certificates,
    revoke_certificate,
)
from docflow.services.keys.enrolment import change_pin, enrol_pin, pending_enrolments, pin_certificates
from docflow.services.keys.imports import Imported, import_pkcs12_certificate, register_token_certificate
from docflow.services.keys.issuing import Enrolment, issue_certificate, issue_for_enrolment
from docflow.services.keys.opening import open_signing_key
from docflow.services.keys.pins import (
    COMMON_PINS,
    MIN_PIN_LENGTH,
    check_pin_strength,
    guard_of,
    holders_of,
    lock_states,
    record_success,
    record_wrong_pin,
    refuse_if_locked,
    unlock_key,
)

__all__ = [
    "WARDS_FOLDER", "COMMON_PINS", "HOLDER_ROLES", "MIN_PIN_LENGTH", "REVOCATION_REASONS", "CertificateRow", "Enrolment",
    "Imported", "ca_directory", "ca_passphrase", "certificate_for", "change_pin", "check_pin_strength",
    "enrol_pin", "every_ca_directory", "expiring", "guard_of", "holders_of", "import_pkcs12_certificate", "init_ca", "issue_certificate",
    "issue_for_enrolment", "kdf_params", "list_certificates", "lock_states", "make_ward_keys_dir", "open_ca", "open_signing_key",
    "pending_enrolments", "pin_certificates", "record_success", "record_wrong_pin", "refuse_if_locked",
    "register_token_certificate", "revocation_checker", "revoke_certificate", "root_certificates_pem",
    "unlock_key", "ward_keys_dir",
]
