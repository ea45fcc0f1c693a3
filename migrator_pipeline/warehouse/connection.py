"""Connections to the warehouse, and the connection settings handed to dbt."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from urllib.parse import parse_qs, unquote, urlparse

import psycopg2
import psycopg2.extensions


@contextlib.contextmanager
def connect(url: str) -> Iterator[psycopg2.extensions.connection]:
    conn = psycopg2.connect(url, connect_timeout=10)
    try:
        yield conn
    finally:
        conn.close()


def dbt_connection_env(url: str) -> dict[str, str]:
    """The environment variables that the generated profiles.yml reads, from a libpq URL.

    A Unix-socket URL (`postgresql://user@/db?host=/dir`) gives the socket directory as the host,
    which psycopg2 and so dbt-postgres accept.
    """
    parsed = urlparse(url)
    query = parse_qs(parsed.query)
    host = parsed.hostname or (query.get("host") or ["localhost"])[0]
    return {
        "MIGRATOR_PG_HOST": unquote(host),
        "MIGRATOR_PG_PORT": str(parsed.port or (query.get("port") or ["5432"])[0]),
        "MIGRATOR_PG_USER": unquote(parsed.username or "postgres"),
        "MIGRATOR_PG_PASSWORD": unquote(parsed.password or ""),
        "MIGRATOR_PG_DATABASE": parsed.path.lstrip("/") or "postgres",
    }

