"""Backup and restore refusals (Annex VI; R52): a backup that changed after it was made, a wrong passphrase,
a target that is not empty, a backup without its secrets. Each refusal names what is wrong and writes nothing:
no restored folder, no hidden partial folder, no table in the target database."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text

from docflow import config
from docflow.errors import ConfigurationError, ValidationError
from docflow.models import AuditEvent
from docflow.services.backup import make_backup, verify_backup
from tests.conftest import is_postgres
from tests.services.backup.drill import PASSPHRASE, docflow, issue_one_outgoing, open_instance, seeded_instance


@pytest.fixture(scope="module")
def ward(tmp_path_factory, database_factory) -> Path:
    """A seeded ward (both flows walked) shared by the refusals, which never change it."""
    return seeded_instance(tmp_path_factory.mktemp("refusals") / "ward", database_factory("refusals"))


@pytest.fixture(scope="module")
def backup(ward, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("backups") / "good"
    made = docflow(ward, "backup", "--out", str(out), DOCFLOW_BACKUP_PASSPHRASE=PASSPHRASE)
    assert made.exit_code == 0, made.output
    return out


@pytest.fixture
def copy(backup, tmp_path) -> Path:
    """A copy of the good backup, to damage."""
    return Path(shutil.copytree(backup, tmp_path / "copy"))


@pytest.fixture
def target_db(database_factory) -> list[str]:
    return ["--database-url", database_factory("target")] if is_postgres() else []


def _restore(folder: Path, into: Path, extra: list[str], **env: str):
    return docflow(None, "restore", str(folder), "--into", str(into), *extra, **env)


def _nothing_restored(into: Path, extra: list[str]) -> None:
    assert not into.exists()
    assert not [p for p in into.parent.iterdir() if p.name.startswith(f".{into.name}.")]
    if extra:
        engine = create_engine(extra[1])
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM information_schema.tables "
                                     "WHERE table_schema = 'public'")).scalar_one() == 0
        engine.dispose()


def _first_blob(folder: Path) -> Path:
    return next(p for p in sorted((folder / "blobs").rglob("*")) if p.is_file())


def _database_file(folder: Path) -> Path:
    return next((folder / "database").iterdir())


@pytest.mark.parametrize("damage", ["blob", "database", "keys", "extra", "missing"])
def test_R52_a_backup_changed_after_it_was_made_is_refused_naming_the_file(copy, tmp_path, target_db, damage):
    victims = {"blob": _first_blob(copy), "database": _database_file(copy),
               "keys": next(p for p in sorted((copy / "keys").rglob("*")) if p.is_file() and p.stat().st_size),
               "extra": copy / "blobs" / "planted.pdf", "missing": _first_blob(copy)}
    victim = victims[damage]
    if damage == "extra":
        victim.write_bytes(b"%PDF-1.7 planted")
    elif damage == "missing":
        victim.unlink()
    else:
        victim.chmod(0o600)
        data = bytearray(victim.read_bytes())
        data[len(data) // 2] ^= 0x01
        victim.write_bytes(bytes(data))
    name = victim.relative_to(copy).as_posix()

    checked = docflow(None, "backup", "verify", str(copy))
    restored = _restore(copy, tmp_path / "new", target_db, DOCFLOW_BACKUP_PASSPHRASE=PASSPHRASE)

    assert checked.exit_code == 1 and name in checked.output
    assert restored.exit_code == 1 and name in restored.output and "Nothing was restored" in restored.output
    assert "Traceback" not in restored.output
    _nothing_restored(tmp_path / "new", target_db)


def test_a_damaged_manifest_line_is_refused_with_its_line(copy, tmp_path, target_db):
    manifest = copy / "manifest.jsonl"
    lines = manifest.read_text(encoding="utf-8").splitlines()
    lines[3] = lines[3][:20]
    manifest.write_text("\n".join(lines) + "\n", encoding="utf-8")
    restored = _restore(copy, tmp_path / "new", target_db, DOCFLOW_BACKUP_PASSPHRASE=PASSPHRASE)
    assert restored.exit_code == 1 and "damaged at line 4" in restored.output
    _nothing_restored(tmp_path / "new", target_db)


def test_a_folder_that_is_no_backup_is_refused(tmp_path):
    (tmp_path / "notes").mkdir()
    result = docflow(None, "backup", "verify", str(tmp_path / "notes"))
    assert result.exit_code == 1 and "is not a docflow backup" in result.output


def test_R52_a_wrong_passphrase_is_refused_and_nothing_is_restored(backup, tmp_path, target_db):
    restored = _restore(backup, tmp_path / "new", target_db, DOCFLOW_BACKUP_PASSPHRASE="not-the-passphrase")
    assert restored.exit_code == 1
    assert "Wrong backup passphrase" in restored.output and "Nothing was restored" in restored.output
    _nothing_restored(tmp_path / "new", target_db)


def test_a_restore_never_goes_into_a_folder_that_is_not_empty(backup, tmp_path, target_db):
    (tmp_path / "new").mkdir()
    (tmp_path / "new" / "notes.txt").write_text("keep me", encoding="utf-8")
    restored = _restore(backup, tmp_path / "new", target_db, DOCFLOW_BACKUP_PASSPHRASE=PASSPHRASE)
    assert restored.exit_code == 1 and "is not empty" in restored.output
    assert [p.name for p in (tmp_path / "new").iterdir()] == ["notes.txt"]
    assert (tmp_path / "new" / "notes.txt").read_text(encoding="utf-8") == "keep me"


def test_a_restore_never_goes_into_a_database_that_is_not_empty(backup, tmp_path, database_factory):
    if not is_postgres():
        # A SQLite backup always restores into a new file in the new folder: naming a database is refused.
        result = _restore(backup, tmp_path / "new", ["--database-url", "sqlite:////tmp/x.db"],
                          DOCFLOW_BACKUP_PASSPHRASE=PASSPHRASE)
        assert result.exit_code == 1 and "--database-url does not apply" in result.output
        return
    url = database_factory("occupied")
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE someone_elses (id integer)"))
    engine.dispose()
    result = _restore(backup, tmp_path / "new", ["--database-url", url], DOCFLOW_BACKUP_PASSPHRASE=PASSPHRASE)
    assert result.exit_code == 1 and "is not empty (1 tables)" in result.output
    assert not (tmp_path / "new").exists()


def test_a_postgresql_backup_without_a_target_goes_only_into_the_configured_database_if_it_is_empty(
        backup, tmp_path):
    if not is_postgres():
        pytest.skip("a SQLite backup carries its database file into the new folder")
    # The backed-up configuration names the ward's own database, which is not empty: it is never written over.
    result = _restore(backup, tmp_path / "new", [], DOCFLOW_BACKUP_PASSPHRASE=PASSPHRASE)
    assert result.exit_code == 1 and "is not empty" in result.output and not (tmp_path / "new").exists()


def test_R52_without_the_passphrase_a_restore_verifies_but_cannot_sign(backup, tmp_path, target_db):
    restored = _restore(backup, tmp_path / "new", [*target_db, "--no-secrets"])

    assert restored.exit_code == 0, restored.output
    assert "WARNING: The secrets were not restored (key_secret, ca_passphrase)" in restored.output
    assert "audit log: intact" in restored.output and "every file matches its SHA-256" in restored.output
    context = open_instance(tmp_path / "new" / "docflow.toml")
    try:
        with pytest.raises(ConfigurationError, match="key_secret_file cannot be read"):
            issue_one_outgoing(context, "Về việc ký khi thiếu bí mật")
        with context.engine.connect() as conn:
            # Refused for the missing secret, never counted as a wrong PIN (which would lock the key).
            wrong_pins = conn.execute(select(func.count()).select_from(AuditEvent)
                                      .where(AuditEvent.action.in_(["key.pin_wrong", "key.locked"]))).scalar_one()
        assert wrong_pins == 0
    finally:
        context.engine.dispose()


def test_a_backup_is_refused_into_a_folder_that_is_not_empty_or_with_a_short_passphrase(ward, tmp_path):
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x").write_text("x", encoding="utf-8")
    full = docflow(ward, "backup", "--out", str(tmp_path / "full"), DOCFLOW_BACKUP_PASSPHRASE=PASSPHRASE)
    short = docflow(ward, "backup", "--out", str(tmp_path / "short"), DOCFLOW_BACKUP_PASSPHRASE="short")
    no_terminal = docflow(ward, "backup", "--out", str(tmp_path / "ask"))
    assert full.exit_code == 1 and "is not empty" in full.output
    assert short.exit_code == 1 and "at least 8 characters" in short.output and not (tmp_path / "short").exists()
    assert no_terminal.exit_code == 1 and "DOCFLOW_BACKUP_PASSPHRASE" in no_terminal.output


def test_a_backup_is_refused_when_a_file_the_database_names_is_missing(ward, tmp_path):
    settings = config.load(ward)
    blob = next(p for p in sorted(settings.blobs_dir.rglob("*")) if p.is_file() and p.parent.name != "tmp")
    aside = tmp_path / "aside"
    shutil.move(blob, aside)
    try:
        result = docflow(ward, "backup", "--out", str(tmp_path / "out"), DOCFLOW_BACKUP_PASSPHRASE=PASSPHRASE)
    finally:
        shutil.move(aside, blob)
    assert result.exit_code == 1 and blob.name in result.output and "the backup was not made" in result.output
    assert not (tmp_path / "out").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".out.")]


def test_two_backups_into_one_folder_at_once_leave_one_whole_backup(ward, tmp_path):
    settings = config.load(ward)
    outcomes: list[object] = []

    def run() -> None:
        try:
            outcomes.append(make_backup(settings=settings, out=tmp_path / "same", passphrase=PASSPHRASE))
        except ValidationError as exc:
            outcomes.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sum(isinstance(o, ValidationError) for o in outcomes) <= 1 and len(outcomes) == 2
    assert verify_backup(tmp_path / "same").files > 0
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".same.")]


def test_a_backup_and_a_restore_leave_the_folder_they_are_made_in_as_it_was(ward, backup, tmp_path, target_db):
    """Run as root, `docflow backup --out /tmp/x` made /tmp itself 0700 (and so would /var/backups): the parent
    folder is the administrator's; only what docflow creates is made owner-only."""
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o1777)
    made = docflow(ward, "backup", "--out", str(shared / "b"), DOCFLOW_BACKUP_PASSPHRASE=PASSPHRASE)
    restored = _restore(backup, shared / "r", target_db, DOCFLOW_BACKUP_PASSPHRASE=PASSPHRASE)
    assert made.exit_code == 0 and restored.exit_code == 0, made.output + restored.output
    assert shared.stat().st_mode & 0o7777 == 0o1777
    assert (shared / "b").stat().st_mode & 0o777 == 0o700 and (shared / "r").stat().st_mode & 0o777 == 0o700
    new = tmp_path / "new" / "deeper"
    assert docflow(ward, "backup", "--out", str(new / "b"), DOCFLOW_BACKUP_PASSPHRASE=PASSPHRASE).exit_code == 0
    assert new.stat().st_mode & 0o777 == 0o700          # a folder docflow had to create is owner-only


def _rewrite_header(folder: Path, change) -> None:
    import json
    manifest = folder / "manifest.jsonl"
    lines = manifest.read_text(encoding="utf-8").splitlines()
    header = json.loads(lines[0])
    change(header)
    lines[0] = json.dumps(header)
    manifest.write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.mark.parametrize("path", ["config/files/../../../outside.toml", "/etc/passwd", "keys/ca/ca.key.pem"])
def test_a_manifest_naming_a_configuration_file_outside_the_backup_is_refused(copy, tmp_path, target_db, path):
    """The manifest's header is not signed: a restore (often run as root) copies the configuration files it
    names to the same place in the new folder, so a made-up path would read and write outside both."""
    _rewrite_header(copy, lambda h: h["config"]["files"].__setitem__("workflow.holidays_file", [path]))

    checked = docflow(None, "backup", "verify", str(copy))
    restored = _restore(copy, tmp_path / "new", target_db, DOCFLOW_BACKUP_PASSPHRASE=PASSPHRASE)

    for result in (checked, restored):
        assert result.exit_code == 1 and "names a configuration file that is not in the backup" in result.output
        assert path in result.output and "Traceback" not in result.output
    _nothing_restored(tmp_path / "new", target_db)
    assert not (tmp_path.parent / "outside.toml").exists()


def test_a_secrets_file_asking_for_a_huge_key_derivation_cost_is_refused_at_once():
    import json

    from docflow.services.backup import vault
    sealed = json.loads(vault.seal([vault.Secret(name="secret_key", value="s3cret", source="file")], PASSPHRASE))
    sealed["kdf"]["n"] = 2 ** 30      # about 1 GiB per derivation: a forged file must not cost that

    with pytest.raises(ValidationError, match="cannot be read") as refused:
        vault.unseal(json.dumps(sealed).encode("utf-8"), PASSPHRASE)
    assert "is not this format's" in str(refused.value.params["reason"])
    assert [s.value for s in vault.unseal(vault.seal([vault.Secret(name="secret_key", value="s3cret", source="file")],
                                                     PASSPHRASE), PASSPHRASE)] == ["s3cret"]
