"""Which databases to use, external or embedded, for the CLI, `migrator env` and the tests; the
Dagster resources follow the same variables in defs/environment.py. State lives in MIGRATOR_HOME
(home.py).

Environment variables (all optional):
- MIGRATOR_HOME: state directory (default `.migrator/` in the current directory).
- MIGRATOR_WAREHOUSE_URL: libpq URL of an existing PostgreSQL database for the warehouse.
- MIGRATOR_DAGSTER_STORAGE_URL: libpq URL of a PostgreSQL database for Dagster's instance storage.
Each URL that is unset is served by the embedded PostgreSQL under MIGRATOR_HOME.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from migrator_pipeline.home import migrator_home
from migrator_pipeline.warehouse.embedded import embedded_url

WAREHOUSE_URL = "MIGRATOR_WAREHOUSE_URL"
PROJECT_NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
REPO_ROOT = Path(__file__).resolve().parents[1]


def project_dir(project: str) -> Path:
    return migrator_home() / "projects" / validate_project_name(project)


def dagster_home() -> Path:
    return migrator_home() / "dagster"


def validate_project_name(project: str) -> str:
    """A project name is a safe identifier (it names a schema and a folder), never a path."""
    if not PROJECT_NAME.match(project or ""):
        raise ValueError(
            f"invalid project name {project!r}: use 1-40 lower-case letters, digits or "
            "underscores, starting with a letter"
        )
    return project


def warehouse_url() -> str:
    external = os.environ.get(WAREHOUSE_URL)
    if external:
        return external
    return embedded_url("warehouse")


def dagster_storage_url() -> str:
    external = os.environ.get("MIGRATOR_DAGSTER_STORAGE_URL")
    if external:
        return external
    return embedded_url("dagster")


def sqlalchemy_url(libpq_url: str) -> str:
    """dagster-postgres ships psycopg2, while SQLAlchemy 2.1 reads plain `postgresql://`
    as psycopg 3, so name the driver explicitly."""
    return re.sub(r"^postgres(ql)?(\+\w+)?://", "postgresql+psycopg2://", libpq_url)
