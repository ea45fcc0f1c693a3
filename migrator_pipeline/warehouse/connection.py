"""Connections to the warehouse, and the connection settings handed to dbt."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from urllib.parse import parse_qs, unquote, urlparse

import psycopg2
import psycopg2.extensions

# a password for the per-project dbt roles, for warehouses that check passwords; the embedded
# server trusts local connections and needs none
DBT_PASSWORD_VARIABLE = "MIGRATOR_DBT_PASSWORD"


def dbt_role(project: str) -> str:
    """The role dbt runs a project as (see warehouse/schemas.py): never the admin connection's."""
    return f"migrator_dbt_{project}"


@contextlib.contextmanager
def connect(url: str) -> Iterator[psycopg2.extensions.connection]:
    conn = psycopg2.connect(url, connect_timeout=10)
    try:
        yield conn
    finally:
        conn.close()


def dbt_connection_env(url: str, project: str | None = None) -> dict[str, str]:
    """The environment variables that the generated profiles.yml reads, from a libpq URL.
    With a project, dbt logs in as that project's dbt role rather than the URL's user.

    A Unix-socket URL (`postgresql://user@/db?host=/dir`) gives the socket directory as the host,
    which psycopg2 and so dbt-postgres accept.
    """
    parsed = urlparse(url)
    query = parse_qs(parsed.query)
    host = parsed.hostname or (query.get("host") or ["localhost"])[0]
    user, password = unquote(parsed.username or "postgres"), unquote(parsed.password or "")
    if project:
        user, password = dbt_role(project), os.environ.get(DBT_PASSWORD_VARIABLE, "")
    return {
        "MIGRATOR_PG_HOST": unquote(host),
        "MIGRATOR_PG_PORT": str(parsed.port or (query.get("port") or ["5432"])[0]),
        "MIGRATOR_PG_USER": user,
        "MIGRATOR_PG_PASSWORD": password,
        "MIGRATOR_PG_DATABASE": parsed.path.lstrip("/") or "postgres",
    }



@contextlib.contextmanager
def dbt_connection_environment(url: str, project: str | None = None) -> Iterator[None]:
    """The connection variables of `dbt_connection_env`, in os.environ for one dbt invocation,
    and the environment as it was afterwards. dagster-dbt hands dbt a copy of os.environ (its
    `cli()` takes no environment) and reads profiles.yml in-process, so the variables must be
    there while the invocation starts; nothing is left behind for later steps or other projects.
    Not for concurrent threads: the executor runs steps one at a time (definitions.py)."""
    connection = dbt_connection_env(url, project)
    previous = {name: os.environ.get(name) for name in connection}
    os.environ.update(connection)
    try:
        yield
    finally:
        for name, value in previous.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
