"""`docflow verify FILE.pdf`: exit codes, JSON contract, languages and where the trust roots come from."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from docflow.commands.verify import verify
from tests.signing import attacks
from tests.testpki import tiny_pdf

JSON_SIGNATURE_KEYS = {"field", "signer", "signing_time", "timestamp_time", "intact", "trusted", "revoked",
                       "coverage", "modification_level", "pades_level", "problems"}


@pytest.fixture(scope="module")
def files(test_pki, tmp_path_factory) -> dict[str, Path]:
    directory = tmp_path_factory.mktemp("verify-cli")
    signed = attacks.sign(tiny_pdf(), test_pki.simple_signer("chutich"))
    out = {
        "signed": signed,
        "tampered": attacks.isa_change_page_content(signed),
        "unsigned": tiny_pdf(),
        "not_a_pdf": b"PK\x03\x04 this is a zip file",
        "truncated": signed[: len(signed) // 2],
    }
    paths = {}
    for name, data in out.items():
        paths[name] = directory / f"{name}.pdf"
        paths[name].write_bytes(data)
    return paths


@pytest.fixture
def run(monkeypatch, tmp_path):
    """Invoke the command in-process with an empty configuration (no configured roots)."""
    config = tmp_path / "docflow.toml"
    config.write_text(f'[app]\nkeys_dir = "{tmp_path / "keys"}"\ndefault_locale = "en"\n', encoding="utf-8")
    monkeypatch.setenv("DOCFLOW_CONFIG", str(config))

    def invoke(*args: str):
        return CliRunner().invoke(verify, [str(a) for a in args], catch_exceptions=False)
    return invoke


def test_a_valid_document_exits_0_with_a_readable_report(run, files, test_pki):
    result = run(files["signed"], "--trust-root", test_pki.root_pem_path)
    assert result.exit_code == 0, result.output
    assert "Nguyễn Văn An" in result.output
    assert "revocation status of the signer's certificate could not be checked" in result.output
    assert result.output.strip().splitlines()[-1].startswith("VALID")


def test_a_tampered_document_exits_1_and_says_why(run, files, test_pki):
    result = run(files["tampered"], "--trust-root", test_pki.root_pem_path)
    assert result.exit_code == 1
    assert "beyond what the signature allows" in result.output
    assert result.output.strip().splitlines()[-1] == "NOT VALID"


def test_an_unsigned_document_exits_1(run, files, test_pki):
    result = run(files["unsigned"], "--trust-root", test_pki.root_pem_path)
    assert result.exit_code == 1
    assert "not signed" in result.output


def test_json_output_is_exactly_the_contract(run, files, test_pki):
    result = run(files["tampered"], "--trust-root", test_pki.root_pem_path, "--json")
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert set(data) == {"valid", "signatures", "errors"} and data["valid"] is False
    [signature] = data["signatures"]
    assert set(signature) == JSON_SIGNATURE_KEYS
    assert signature["modification_level"] == "other" and signature["intact"] is True
    assert {"code", "message"} == set(signature["problems"][0])
    assert "disallowed_modification" in [p["code"] for p in signature["problems"]]
    assert signature["signing_time"].endswith("+00:00")


def test_vietnamese_report_and_json_messages(run, files, test_pki):
    human = run(files["signed"], "--trust-root", test_pki.root_pem_path, "--lang", "vi")
    assert human.exit_code == 0
    assert human.output.strip().splitlines()[-1].startswith("HỢP LỆ")
    as_json = run(files["unsigned"], "--trust-root", test_pki.root_pem_path, "--json", "--lang", "vi")
    assert json.loads(as_json.stdout)["errors"] == [{"code": "unsigned", "message": "Tài liệu không có chữ ký số nào."}]


@pytest.mark.parametrize("name", ["not_a_pdf", "truncated"])
def test_unreadable_input_exits_2_with_one_line_on_stderr(run, files, name):
    result = run(files[name])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr


def test_without_trust_roots_nothing_is_trusted(run, files):
    result = run(files["signed"], "--json")
    assert result.exit_code == 1
    assert "untrusted_chain" in [p["code"] for p in json.loads(result.stdout)["signatures"][0]["problems"]]


def test_configured_trust_roots_are_used_by_default(monkeypatch, tmp_path, files, test_pki):
    config = tmp_path / "docflow.toml"
    config.write_text(f'[app]\nkeys_dir = "{tmp_path / "keys"}"\n[signing]\n'
                      f'trust_roots = ["{test_pki.root_pem_path}"]\n', encoding="utf-8")
    monkeypatch.setenv("DOCFLOW_CONFIG", str(config))
    result = CliRunner().invoke(verify, [str(files["signed"])])
    assert result.exit_code == 0, result.output
    assert result.output.strip().splitlines()[-1].startswith("HỢP LỆ")  # app.default_locale is vi


def test_the_development_ca_root_is_trusted_when_it_exists(monkeypatch, tmp_path, files, test_pki):
    ca = tmp_path / "keys" / "ca"
    ca.mkdir(parents=True)
    (ca / "root.pem").write_bytes(test_pki.root_pem_path.read_bytes())
    config = tmp_path / "docflow.toml"
    config.write_text(f'[app]\nkeys_dir = "{tmp_path / "keys"}"\n', encoding="utf-8")
    monkeypatch.setenv("DOCFLOW_CONFIG", str(config))
    assert CliRunner().invoke(verify, [str(files["signed"])]).exit_code == 0


def test_a_trust_root_that_is_not_a_certificate_exits_2(run, files, tmp_path):
    bogus = tmp_path / "bogus.pem"
    bogus.write_text("not a certificate")
    result = run(files["signed"], "--trust-root", bogus)
    assert result.exit_code == 2 and "bogus.pem" in result.stderr


def test_the_command_runs_as_a_subprocess_without_flask(files, test_pki, tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOCFLOW_")}
    project = str(Path(__file__).resolve().parents[2])
    code = (f"import sys; sys.path.insert(0, {project!r})\n"
            "from docflow.commands.verify import verify\n"
            "try:\n    verify()\nfinally:\n"
            "    assert not {'flask', 'sqlalchemy'} & set(sys.modules), 'Flask or SQLAlchemy imported'\n")

    def docflow_verify(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-c", code, *args], cwd=tmp_path, env=env,
                              capture_output=True, text=True, timeout=120, check=False)

    valid = docflow_verify(str(files["signed"]), "--trust-root", str(test_pki.root_pem_path), "--json")
    assert valid.returncode == 0, valid.stderr
    assert json.loads(valid.stdout)["valid"] is True

    broken = docflow_verify(str(files["not_a_pdf"]))
    assert broken.returncode == 2
    assert len(broken.stderr.strip().splitlines()) == 1 and "Traceback" not in broken.stderr


def test_R52_the_issued_bytes_and_a_renewal_of_them_pass_with_issued_and_anything_else_fails(
        run, files, test_pki, tmp_path):
    from docflow.signing.renewal import renew_pdf
    from tests.signing.test_renewal import _appended, _changed_title
    from tests.signing.test_sign import context
    signed = files["signed"].read_bytes()
    renewed = tmp_path / "renewed.pdf"
    renewed.write_bytes(renew_pdf(signed, context(test_pki)))
    forged = tmp_path / "forged.pdf"
    forged.write_bytes(_appended(renewed.read_bytes(), _changed_title))
    root = test_pki.root_pem_path

    same = run(files["signed"], "--trust-root", root, "--issued", files["signed"])
    renewal = run(renewed, "--trust-root", root, "--issued", files["signed"])
    refused = run(forged, "--trust-root", root, "--issued", files["signed"], "--lang", "vi")
    as_json = json.loads(run(renewed, "--trust-root", root, "--issued", files["signed"], "--json").output)

    assert same.exit_code == 0 and "ISSUED BYTES: the file is exactly the issued document." in same.output
    assert renewal.exit_code == 0 and "renewed (B-LTA) on" in renewal.output
    assert refused.exit_code == 1 and "KHÔNG PHẢI BẢN ĐÃ BAN HÀNH: Các phần bổ sung" in refused.output
    assert as_json["issued"]["accepted"] is True
