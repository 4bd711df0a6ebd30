"""Where the load bench keeps its deployment: a PostgreSQL database of its own and a data directory."""

from __future__ import annotations

import os
from pathlib import Path

HERE = Path(__file__).resolve().parent
VAR = Path(os.environ.get("DOCFLOW_LOAD_VAR", HERE / "var"))
CONFIG = VAR / "config.toml"
MANIFEST = VAR / "manifest.json"        # wards, accounts and document ids the locustfile draws from
DB_NAME = os.environ.get("DOCFLOW_LOAD_DB", "docflow_load")
PG_ADMIN_URL = os.environ.get("DOCFLOW_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
DB_URL = PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + DB_NAME


def write_config() -> Path:
    """The deployment's configuration: production key wrapping (64 MiB argon2id), the development CA shared by
    every ward, no OCR thread and no nightly renewal (they would only add noise to the figures)."""
    VAR.mkdir(parents=True, exist_ok=True)
    CONFIG.write_text(f"""# written by bench/load/paths.py
[app]
mode = "development"
data_dir = "{VAR / 'data'}"
keys_dir = "{VAR / 'keys'}"
organisation_name = "UBND phường Tích Sơn"
public_url = "http://127.0.0.1:5000"

[database]
url = "{DB_URL}"

[ocr]
enabled = false

[archive]
renew_at = ""
""", encoding="utf-8")
    return CONFIG
