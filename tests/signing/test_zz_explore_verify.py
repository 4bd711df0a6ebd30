from __future__ import annotations
import time
import pytest
from pyhanko.sign import fields
from tests.signing import attacks
from tests.testpki import pdf_with_fields, tiny_pdf
from docflow.signing.verify import TrustSettings, verify_pdf
from docflow.errors import UnreadablePdfError

def show(name, data, trust):
    t=time.perf_counter()
    try:
        r = verify_pdf(data, trust)
    except UnreadablePdfError as e:
        print(f"{name:30s} UNREADABLE {e}  {time.perf_counter()-t:.2f}s"); return
    print(f"{name:30s} valid={r.valid} errors={[e.code for e in r.errors]} {time.perf_counter()-t:.2f}s")
    for s in r.signatures:
        print(f"    {s.field} intact={s.intact} trusted={s.trusted} cov={s.coverage} mod={s.modification_level} lvl={s.pades_level} {[p.code for p in s.problems]}")

def test_explore(test_pki):
    trust = TrustSettings(roots=(test_pki.root,))
    ch = test_pki.simple_signer("chutich")
    signed = attacks.sign(tiny_pdf(), ch)
    show("legit", signed, trust)
    show("cert P1 + sig", attacks.sign(c1, test_pki.simple_signer("phochutich1"), field="chu_ky"), trust)
    for n in ["lookalike","wrong_ku","expired","not_yet_valid","revoked","phochutich1","phochutich2"]:
        show(n, attacks.sign(tiny_pdf(), test_pki.simple_signer(n)), trust)
    show("revoked fetch", attacks.sign(tiny_pdf(), test_pki.simple_signer("revoked")), TrustSettings(roots=(test_pki.root,), allow_fetching=True))
    show("chutich fetch", signed, TrustSettings(roots=(test_pki.root,), allow_fetching=True))
    show("selfsigned", attacks.sign(tiny_pdf(), attacks.self_signed_signer(test_pki.cert("chutich"))), trust)
    show("sha1", attacks.sign(tiny_pdf(), ch, md_algorithm="sha1"), trust)
    show("lookalike trusted root", attacks.sign(tiny_pdf(), test_pki.simple_signer("lookalike")), TrustSettings(roots=(test_pki.lookalike_root,)))
    assert 0
