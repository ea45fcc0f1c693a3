"""Northwind, to the cent: the public script migrated through the real pipeline, each view's rows
on PostgreSQL held EXACTLY to the rows the oracle (northwind_oracle.py) computes by SQL Server's rules.

The script is read from the path in MIGRATOR_NORTHWIND_SQL (microsoft/sql-server-samples,
samples/databases/northwind-pubs/instnwnd.sql); without it every test here is skipped.

Exact means exact: a money value is compared as the Decimal PostgreSQL returns, never rounded;
a real column is compared as the binary32 value PostgreSQL's float4 text stands for (the text is
the shortest that reads back to that float4, so nothing is lost); every other value as psycopg2
returns it. Rows compare as multisets: a view has no order.

The expected rows are also written beside the source copy (expected/<schema>.<view>.csv, as SQL
Server prints them), so the tool's own data validation compares them too, and its verdict is held
to this exact one.

One rule the oracle follows is undocumented: CONVERT(money, <real>) of an exact tie rounds half
away from zero (three Northwind lines; see `Northwind.money_ties`).

Views the translation still gets wrong are marked xfail(strict=True) with the reason: when the
translation gets one right, the strict xfail fails, and the mark comes off.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import json
import os
import shutil
from collections import Counter
from decimal import Decimal
from pathlib import Path

import psycopg2
import pytest
from northwind_oracle import VIEW_NAMES, Column, Northwind, Result, binary32, read_northwind, real

from migrator_pipeline.cli import main
from migrator_pipeline.project_files import ProjectFiles
from migrator_pipeline.settings import warehouse_url
from migrator_pipeline.tsql.identifiers import fold_identifier

pytestmark = pytest.mark.slow

SCRIPT_ENV = "MIGRATOR_NORTHWIND_SQL"
PROJECT = "northwind"
PROCEDURE = "dbo.Ten Most Expensive Products"
FLOAT4_OID = 700
SHOWN_DIFFERENCES = 10

# Every view matches since the typing pass (issue 7): money * real computed in real, then
# CONVERT(money, ...) from the binary value; what is still wrong is listed here.
KNOWN_WRONG = {
    PROCEDURE: "a procedure that only returns rows (SET ROWCOUNT 10; SELECT ... ORDER BY) gets no model: "
               "needs_review 'no recognisable data-loading statement'",
}


def _case(name: str):
    reason = KNOWN_WRONG.get(name)
    return pytest.param(name, marks=pytest.mark.xfail(strict=True, reason=reason)) if reason else name


# ---------------------------------------------------------------- SQL Server's printed form


def _real_text(value: float) -> str:
    """The shortest decimal that reads back to the same binary32, as SQL Server prints a real."""
    for digits in range(1, 10):
        text = f"{value:.{digits}g}"
        if real(Decimal(text)) == value:
            return text
    return repr(value)


def _printed(value, column: Column) -> str:
    if value is None:
        return ""
    if column.type == "real":
        return _real_text(value)
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S.") + f"{value.microsecond // 1000:03d}"
    return str(value)


def _expected_csv(result: Result) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(result.column_names)
    for row in result.rows:
        writer.writerow([_printed(v, c) for v, c in zip(row, result.columns, strict=True)])
    return buffer.getvalue()


# ---------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def northwind_script() -> Path:
    script = os.environ.get(SCRIPT_ENV)
    if not script or not Path(script).is_file():
        pytest.skip(f"{SCRIPT_ENV} does not name the public Northwind script (microsoft/sql-server-samples, "
                    "samples/databases/northwind-pubs/instnwnd.sql)")
    return Path(script)


@pytest.fixture(scope="module")
def oracle(northwind_script) -> Northwind:
    return read_northwind(northwind_script)


@pytest.fixture(scope="module")
def expected(oracle) -> dict[str, Result]:
    return {**oracle.views(), PROCEDURE: oracle.ten_most_expensive_products()}


@pytest.fixture(scope="module")
def migrated(northwind_script, expected, request, tmp_path_factory) -> dict[str, dict]:
    """The script migrated as a user would; evaluation.json's objects by `schema.name`.
    The warehouse is asked for only here, so that a missing script starts no server."""
    request.getfixturevalue("warehouse_url")
    source = tmp_path_factory.mktemp("northwind") / "northwind"
    source.mkdir()
    shutil.copy(northwind_script, source / "instnwnd.sql")
    (source / "expected").mkdir()
    for name in VIEW_NAMES:
        (source / "expected" / f"{name}.csv").write_text(_expected_csv(expected[name]), encoding="utf-8")
    assert main(["migrate", str(source), "--project", PROJECT]) == 0
    evaluation = json.loads(ProjectFiles(PROJECT).path("evaluation.json").read_text(encoding="utf-8"))
    return {entry["source"]: entry for entry in evaluation["objects"]}


# ---------------------------------------------------------------- exact comparison


def _model_rows(relation: str, columns: list[Column]) -> tuple[list[int], list[tuple]]:
    """The model's rows, the oracle's columns picked by their dbt names; and each column's type oid."""
    schema, table = relation.split(".", 1)
    picked = ", ".join(f'"{fold_identifier(c.name)}"' for c in columns)
    with contextlib.closing(psycopg2.connect(warehouse_url())) as connection, connection.cursor() as cursor:
        cursor.execute(f'select {picked} from "{schema}"."{table}"')
        return [d.type_code for d in cursor.description], cursor.fetchall()


def _exact(value, oid: int):
    # float4 arrives as the shortest text that reads back to it, parsed into a double: its
    # binary32 is the value PostgreSQL holds. Any other type is taken as it comes.
    return binary32(value) if oid == FLOAT4_OID and value is not None else value


def _differences(result: Result, oids: list[int], rows: list[tuple]) -> str | None:
    got = Counter(tuple(_exact(v, oid) for v, oid in zip(row, oids, strict=True)) for row in rows)
    wanted = Counter(result.rows)
    missing, unexpected = wanted - got, got - wanted
    if not missing and not unexpected:
        return None
    lines = [f"{result.name}: {sum(wanted.values())} rows expected, {sum(got.values())} returned; "
             f"{sum(missing.values())} missing, {sum(unexpected.values())} unexpected"]
    lines += [f"  missing    {row}" for row in sorted(missing, key=repr)[:SHOWN_DIFFERENCES]]
    lines += [f"  unexpected {row}" for row in sorted(unexpected, key=repr)[:SHOWN_DIFFERENCES]]
    return "\n".join(lines)


def _relation(entry: dict) -> str:
    models = entry["models"]
    assert models, f"{entry['source']} has no model: {entry['status']}, {entry['reason']}"
    return models[-1]["relation"]


def _verdict(name: str, migrated: dict, expected: dict) -> str | None:
    relation = _relation(migrated[name])
    oids, rows = _model_rows(relation, expected[name].columns)
    return _differences(expected[name], oids, rows)


# ---------------------------------------------------------------- the tests


@pytest.mark.parametrize("name", [_case(name) for name in (*VIEW_NAMES, PROCEDURE)])
def test_rows_equal_the_oracle_exactly(name, expected, migrated):
    differences = _verdict(name, migrated, expected)
    assert differences is None, differences


@pytest.mark.parametrize("name", VIEW_NAMES)
def test_passed_only_when_the_rows_are_exactly_sql_servers(name, expected, migrated):
    """The worst bug is a wrong amount labelled `passed`: the tool's own comparison of the
    expected CSV must not call rows equal that are not."""
    entry = migrated[name]
    exact = _verdict(name, migrated, expected) is None
    assert entry["status"] in ("passed", "failed"), entry
    assert (entry["status"] == "passed") == exact, (entry["status"], entry.get("reason"))
