"""The embedded PostgreSQL server (pgserver), kept under MIGRATOR_HOME/pgdata.

Started with cleanup_mode=None on purpose: the server outlives the command that started it,
so `psql "$(migrator warehouse-url)"` and `migrator dev` find it running. `migrator stop`
is the only thing that stops it.
"""

from __future__ import annotations

import contextlib
import os
import warnings
from types import ModuleType

import psycopg2
from psycopg2 import sql

from migrator_pipeline.home import pgdata_dir

DATABASES = ("warehouse", "dagster")
# pgserver keeps its inter-process lock (and, for long data paths, its socket) here
PGSERVER_RUNTIME_NAME = "python_PostgresServer"


def embedded_url(database: str) -> str:
    """A libpq URL for `database` on the embedded server, starting it if needed."""
    pgserver = _pgserver()
    pgdata = pgdata_dir()
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    server = pgserver.get_server(pgdata, cleanup_mode=None)
    _ensure_databases(server.get_uri("postgres"))
    return server.get_uri(database)


def _pgserver() -> ModuleType:
    """pgserver, imported on first use: it reads the user's runtime directory when imported.
    Machines without a login session have no XDG_RUNTIME_DIR; platformdirs then falls back to
    a private /tmp/runtime-<uid>, which it creates 0700 here (ensure_exists) so that pgserver's
    own mkdir never creates it with a mode platformdirs later refuses. The warning about the
    fallback says nothing the user can act on."""
    import platformdirs

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", getattr(platformdirs, "RuntimeDirWarning", Warning))
        platformdirs.user_runtime_path(PGSERVER_RUNTIME_NAME, ensure_exists=True)
        import pgserver
    return pgserver


def _ensure_databases(admin_url: str) -> None:
    with contextlib.closing(psycopg2.connect(admin_url)) as conn:
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute("select datname from pg_database")
            existing = {row[0] for row in cur.fetchall()}
            for name in DATABASES:
                if name not in existing:
                    cur.execute(sql.SQL("create database {}").format(sql.Identifier(name)))
            # Dagster's database is for the admin connection only: dbt's roles never reach it
            cur.execute(sql.SQL("revoke connect on database {} from public").format(sql.Identifier("dagster")))


def stop_embedded_server() -> bool:
    """Stop the embedded server if it runs. Returns whether one was running.

    Through pgserver's public `pg_ctl` (exported by the package): a handle's `cleanup()` stops
    the server only when the calling process is its last registered user, and a server started
    with cleanup_mode=None by another process is never this process's to clean up."""
    pgserver = _pgserver()
    from pgserver.utils import PostmasterInfo, ensure_prefix_permissions

    pgdata = pgdata_dir()
    info = PostmasterInfo.read_from_pgdata(pgdata) if pgdata.exists() else None
    if info is None or not info.is_running():
        return False
    user = None
    if os.geteuid() == 0:
        # As root, pgserver runs PostgreSQL as the `pgserver` user, which must be able to reach
        # the data directory; pgserver ensures that on start, but a parent directory's mode may
        # have changed since (pytest makes its temporary directories 0700).
        ensure_prefix_permissions(pgdata)
        user = "pgserver"
    pgserver.pg_ctl(["-w", "-m", "fast", "stop"], pgdata=pgdata, user=user)
    return True
