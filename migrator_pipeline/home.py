"""MIGRATOR_HOME: the one directory that holds the migrator's state (projects, Dagster, pgdata).

The bottom of the package's configuration: it imports nothing of the package, so both
settings.py and warehouse/embedded.py read it without importing each other.
"""

from __future__ import annotations

import os
from pathlib import Path


def migrator_home() -> Path:
    return Path(os.environ.get("MIGRATOR_HOME") or ".migrator").resolve()


def pgdata_dir() -> Path:
    """The embedded PostgreSQL server's data directory."""
    return migrator_home() / "pgdata"
