"""Models and migrations agree; every interface string has a Vietnamese translation."""

from __future__ import annotations

import subprocess
import sys

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from babel.messages.pofile import read_po

from docflow.migrations import include_object
from docflow.models import Base
from docflow.paths import PROJECT_ROOT


def test_migrations_build_exactly_the_models(app):
    engine = app.extensions["docflow.engine"]
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True,
                                                         "include_object": include_object})
        diff = compare_metadata(context, Base.metadata)
    assert diff == []


def test_every_string_is_extracted_and_translated_into_vietnamese(tmp_path):
    pot = tmp_path / "messages.pot"
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg", "-k", "N_",
                    "-k", "lazy_gettext", "--no-location", "-o", str(pot), "."], cwd=PROJECT_ROOT, check=True,
                   capture_output=True)
    with pot.open("rb") as fh:
        wanted = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(fh) if m.id}
    with (PROJECT_ROOT / "docflow/translations/vi/LC_MESSAGES/messages.po").open("rb") as fh:
        catalogue = read_po(fh)
    translated = {(m.id if isinstance(m.id, str) else m.id[0])
                  for m in catalogue if m.id and not m.fuzzy
                  and all(m.string if isinstance(m.string, tuple) else [m.string])}
    missing = sorted(wanted - translated)
    assert missing == [], f"untranslated: {missing[:10]} (run `make messages` and translate)"
