"""The embedded PostgreSQL server (pgserver), kept under MIGRATOR_HOME/pgdata.

Started with cleanup_mode=None on purpose: the server outlives the command that started it,
so `psql "$(migrator warehouse-url)"` and `migrator dev` find it running. `migrator stop`
is the only thing that stops it.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

import psycopg2

from migrator_pipeline.settings import migrator_home

DATABASES = ("warehouse", "dagster")


def _ensure_runtime_dir() -> None:
    """pgserver keeps its inter-process lock (and, for long data paths, its socket) in the user's
    runtime directory, read when pgserver is imported. Machines without a login session have
    none, so give it a short private one: the same for every process of this user."""
    if os.environ.get("XDG_RUNTIME_DIR"):
        return
    runtime = Path("/tmp") / f"migrator-runtime-{os.getuid()}"
    runtime.mkdir(mode=0o700, exist_ok=True)
    os.environ["XDG_RUNTIME_DIR"] = str(runtime)


_ensure_runtime_dir()


def pgdata_dir() -> Path:
    return migrator_home() / "pgdata"


def embedded_url(database: str) -> str:
    """A libpq URL for `database` on the embedded server, starting it if needed."""
    import pgserver

    pgdata = pgdata_dir()
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    server = pgserver.get_server(pgdata, cleanup_mode=None)
    _ensure_databases(server.get_uri("postgres"))
    return server.get_uri(database)


def _ensure_databases(admin_url: str) -> None:
    with contextlib.closing(psycopg2.connect(admin_url)) as conn:
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute("select datname from pg_database")
            existing = {row[0] for row in cur.fetchall()}
            for name in DATABASES:
                if name not in existing:
                    cur.execute(f'create database "{name}"')
            # Dagster's database is for the admin connection only: dbt's roles never reach it
            cur.execute('revoke connect on database "dagster" from public')


def stop_embedded_server() -> bool:
    """Stop the embedded server if it runs. Returns whether one was running."""
    from pgserver._commands import pg_ctl
    from pgserver.utils import PostmasterInfo

    pgdata = pgdata_dir()
    info = PostmasterInfo.read_from_pgdata(pgdata) if pgdata.exists() else None
    if info is None or not info.is_running():
        return False
    user = None
    if os.geteuid() == 0:
        from pgserver.utils import ensure_prefix_permissions

        # As root, pgserver runs PostgreSQL as the `pgserver` user, which must be able to reach
        # the data directory; pgserver ensures that on start, but a parent directory's mode may
        # have changed since (pytest makes its temporary directories 0700).
        ensure_prefix_permissions(pgdata)
        user = "pgserver"
    pg_ctl(["-w", "-m", "fast", "stop"], pgdata=pgdata, user=user)
    return True
