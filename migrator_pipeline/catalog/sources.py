"""One entry point for every kind of source: a script folder or file, a .dacpac, a live server.

The spec is what a project remembers about its source (never a password): `migrator migrate`
registers it, and every later run, from the CLI or the UI, reads the same source again.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from migrator_pipeline.catalog.model import Catalog, SourceError, SourceObject
from migrator_pipeline.serialisation import SavedAsJson
from migrator_pipeline.tsql.identifiers import DEFAULT_POLICY, IDENTIFIER_POLICIES

SCRIPT_SUFFIXES = (".sql",)


@dataclass
class SourceSpec(SavedAsJson):
    location: str  # a path, or a live server's URL / ODBC string without its password
    variables: dict[str, str] = field(default_factory=dict)  # SQLCMD variables (--var NAME=value)
    sample_rows: int | None = None  # live servers: copy at most this many rows per table
    # how SQL Server names become dbt names: "lower" or "snake_case" (tsql/identifiers.py)
    identifiers: str = DEFAULT_POLICY

    @property
    def kind(self) -> str:
        from migrator_pipeline.catalog.live_source import is_live_source

        if is_live_source(self.location):
            return "live"
        return "dacpac" if self.location.lower().endswith(".dacpac") else "scripts"


def check_source(spec: SourceSpec) -> None:
    """Cheap checks before anything runs: raises SourceError with one clear line."""
    if spec.identifiers not in IDENTIFIER_POLICIES:
        raise SourceError(f"unknown identifier policy {spec.identifiers!r}: use one of {', '.join(IDENTIFIER_POLICIES)}")
    if spec.kind == "live":
        from migrator_pipeline.catalog.live_source import connect, parse_source_url

        connect(parse_source_url(spec.location)).close()  # a dead server fails here
        return
    path = Path(spec.location)
    if not path.exists():
        raise SourceError(f"source not found: {path}")
    if path.is_file() and spec.kind == "scripts" and path.suffix.lower() not in SCRIPT_SUFFIXES:
        raise SourceError(f"unsupported source file {path}: expected a folder, a .sql script or a .dacpac")
    if path.is_file() and spec.kind == "dacpac":
        from migrator_pipeline.catalog.dacpac import check_dacpac

        check_dacpac(path)
    if path.is_dir() and not any(p.suffix.lower() in SCRIPT_SUFFIXES for p in path.rglob("*")):
        raise SourceError(f"no .sql scripts found in {path}")


def read_source(spec: SourceSpec) -> Catalog:
    if spec.kind == "live":
        from migrator_pipeline.catalog.live import read_live_catalog
        from migrator_pipeline.catalog.live_source import parse_source_url

        return read_live_catalog(parse_source_url(spec.location))
    if spec.kind == "dacpac":
        from migrator_pipeline.catalog.dacpac import read_dacpac

        return read_dacpac(Path(spec.location))
    from migrator_pipeline.catalog.scripts import read_catalog

    return read_catalog(Path(spec.location), variables=spec.variables)


RowBatches = tuple[list[str], Iterable[list[list[str | None]]]]


@contextlib.contextmanager
def live_rows(spec: SourceSpec) -> Iterator[Callable[[SourceObject], RowBatches] | None]:
    """For a live server, each table's rows streamed from it over one connection; None when the
    catalog itself holds the rows."""
    if spec.kind != "live":
        yield None
        return
    from migrator_pipeline.catalog.live import live_rows as stream_live_rows
    from migrator_pipeline.catalog.live_source import connect, parse_source_url

    connection = connect(parse_source_url(spec.location))
    try:
        yield stream_live_rows(connection, sample_rows=spec.sample_rows)
    finally:
        connection.close()
