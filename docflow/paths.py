"""Where docflow's files live: the project checkout and the folders inside it.

Anything that needs a path imports it from here, never from the entry package (``docflow/__init__``), so
importing a path does not mean importing the application factory.
"""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = PACKAGE_DIR.parent
TEMPLATES_DIR = PROJECT_ROOT / "templates"
TRANSLATIONS_DIR = PACKAGE_DIR / "translations"
MIGRATIONS_DIR = PROJECT_ROOT / "migrations"
