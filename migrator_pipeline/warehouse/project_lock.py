"""One run per project from the CLI: a PostgreSQL advisory lock on the warehouse.

The lock belongs to a connection, so PostgreSQL releases it when the run ends in any way,
a `kill -9` included: no lock file is ever left behind to clean up by hand.
Runs that Dagster launches queue per project instead (tag_concurrency_limits in dagster.yaml).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from migrator_pipeline.warehouse.connection import connect

# the first key of the two-key advisory lock: the class of lock, "migrator project"
_PROJECT_LOCK_CLASS = 0x6D70726A  # "mprj"


class ProjectBusy(Exception):
    """Another run of the same project holds the lock."""


@contextlib.contextmanager
def project_lock(url: str, project: str) -> Iterator[None]:
    """Hold the project's lock for the duration of the block, or raise ProjectBusy at once."""
    with connect(url) as conn:
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute("select pg_try_advisory_lock(%s, hashtext(%s))", (_PROJECT_LOCK_CLASS, project))
            if not cur.fetchone()[0]:
                raise ProjectBusy(f"project '{project}' is already being migrated by another run; "
                                  "wait for it to finish")
        yield
