"""The personal certificate's holder and post against the signer (rule R61; QĐ 144/2025 Art. 8.4–8.5): a
personal public-service certificate is used only by its holder and only within the holder's post, so the
certificate's subject must name the signer (common name) and the signer's current post (title)."""

from __future__ import annotations

from docflow.errors import N_, CertificateError
from docflow.models import Certificate, User
from docflow.signing.x509build import subject_holder


def _folded(text: str) -> str:
    return " ".join(text.split()).casefold()


def check_holder(certificate: Certificate, signer: User) -> None:
    """Refuse, before anything is signed, a personal certificate that is not the signer's or was issued for
    another post. Raises CertificateError."""
    if certificate.holder_id != signer.id:
        raise CertificateError(N_("This certificate belongs to someone else; you can only sign with your own."))
    name, post = subject_holder(certificate.der)
    if _folded(name) != _folded(signer.full_name):
        raise CertificateError(N_("The certificate is issued to “%(holder)s”, not to you (%(name)s): a personal "
                                  "certificate may only be used by its holder. Ask the administrator to issue "
                                  "your own certificate."), holder=name, name=signer.full_name)
    if _folded(post) != _folded(signer.post or ""):
        raise CertificateError(N_("The certificate was issued for the post “%(cert_post)s”, but your post is now "
                                  "“%(post)s”: a personal certificate may only be used within the holder's "
                                  "post. Ask the administrator to reissue your certificate for your current "
                                  "post."), cert_post=post or "—", post=signer.post or "—")
