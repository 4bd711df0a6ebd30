"""The restore drill (Decree 30, Annex VI III.5: scheduled and ad-hoc backup and restore; R52), on whichever
database the suite runs: a ward with documents in both flows is backed up while the clerk keeps registering,
the machine is destroyed, the backup is restored into a fresh folder (and a fresh database) with no
`docflow init`, and the restored ward verifies and continues where the backup left it."""

from __future__ import annotations

import csv
import io
import shutil

from docflow.services.backup import file_sha256, read_header
from tests.conftest import is_postgres
from tests.services.backup.drill import (
    PASSPHRASE,
    Writer,
    audit_events,
    count_incoming,
    docflow,
    drop_postgres,
    issue_one_outgoing,
    open_instance,
    register_export,
    register_one_incoming,
    seeded_instance,
    versions,
)


def _rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def test_R52_a_backup_made_while_the_ward_works_restores_on_a_new_machine_and_continues(tmp_path, database_factory):
    source_url = database_factory("drill")
    ward = seeded_instance(tmp_path / "ward", source_url)
    writer = Writer(ward)
    writer.start()
    try:
        writer.wait_for(1)
        before = writer.committed
        made = docflow(ward, "backup", "--out", str(tmp_path / "backup"), DOCFLOW_BACKUP_PASSPHRASE=PASSPHRASE)
        after = writer.committed
        writer.wait_for(after + 1)
    finally:
        writer.stopping.set()
        writer.join()
    assert writer.error is None, writer.error
    assert made.exit_code == 0, made.output
    assert "Secrets sealed under the backup passphrase: key_secret, ca_passphrase" in made.output
    made_event = audit_events(ward, "backup.made")[-1]
    assert made_event["manifest_sha256"] == file_sha256(tmp_path / "backup" / "manifest.jsonl")[0]
    assert made_event["audit_seq"] == read_header(tmp_path / "backup")["audit_head"]["seq"]
    original_versions = versions(ward)
    outgoing_register = register_export(ward, "outgoing", tmp_path / "outgoing-before.csv")
    incoming_register = register_export(ward, "incoming", tmp_path / "incoming-before.csv")

    # The machine is lost: its folder and its database.
    shutil.rmtree(tmp_path / "ward")
    if is_postgres():
        drop_postgres(source_url)
    target = ["--database-url", database_factory("restored")] if is_postgres() else []
    restored = docflow(None, "restore", str(tmp_path / "backup"), "--into", str(tmp_path / "new"), *target,
                       DOCFLOW_BACKUP_PASSPHRASE=PASSPHRASE)

    assert restored.exit_code == 0, restored.output
    assert "audit log: intact" in restored.output and "head matches" in restored.output
    assert "every file matches its SHA-256" in restored.output and "WARNING" not in restored.output
    new = tmp_path / "new" / "docflow.toml"
    # The backup holds a consistent state: the documents the clerk committed up to some moment of the backup,
    # each whole (its blob, its register number, its audit events), none after.
    header = read_header(tmp_path / "backup")
    restored_incoming = count_incoming(new)
    assert 4 + before <= restored_incoming <= 4 + after + 1
    restored_versions = versions(new)
    assert {i: original_versions[i] for i in restored_versions} == restored_versions
    assert len(restored_versions) >= len(original_versions) - (writer.committed - before)
    assert docflow(new, "audit", "verify").exit_code == 0
    assert audit_events(new, "backup.restored")[0]["audit_seq"] == header["audit_head"]["seq"]
    assert register_export(new, "outgoing", tmp_path / "outgoing-after.csv") == outgoing_register
    rows = _rows(register_export(new, "incoming", tmp_path / "incoming-after.csv"))
    assert rows == _rows(incoming_register)[:len(rows)] and len(rows) == restored_incoming + 1
    assert header["audit_head"]["seq"] > 0

    context = open_instance(new)
    try:
        issued = issue_one_outgoing(context, "Về việc tiếp tục công việc sau khi khôi phục")
        received = register_one_incoming(context, "sau-khoi-phuc")
    finally:
        context.engine.dispose()
    numbers = [int(r[0].split("/")[0]) for r in _rows(outgoing_register)[1:]]
    assert issued.register_number == max(numbers) + 1 and issued.number_symbol.startswith(f"{max(numbers) + 1:02d}/")
    assert received.register_number == restored_incoming + 1
    assert docflow(new, "audit", "verify").exit_code == 0
