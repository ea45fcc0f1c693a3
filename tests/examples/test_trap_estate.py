"""Holds the trap estate, examples/trap_estate, to its spec: its size, its expected rows, its data.

Like test_example_estate.py, these checks read the scripts with small regular expressions and
sqlglot's parser, never the catalog reader or the translator: they must hold whatever those do.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from pathlib import Path

import pytest
import sqlglot
from sqlglot import exp

ESTATE = Path(__file__).resolve().parents[2] / "examples" / "trap_estate"
SCRIPTS = ["01_schemas.sql", "02_tables.sql", "03_data.sql", "04_functions.sql", "05_views.sql", "06_procedures.sql"]
_GO = re.compile(r"^\s*GO\s*$", re.MULTILINE | re.IGNORECASE)
_CREATE = re.compile(r"^\s*CREATE\s+(TABLE|VIEW|PROCEDURE|FUNCTION)\s+(\[?\w+\]?\.\[?\w+\]?)", re.I | re.M)
_TARGET = re.compile(r"^\s*(?:INSERT\s+INTO|MERGE)\s+(\w+\.\w+)", re.I | re.M)
_PK = re.compile(r"PRIMARY\s+KEY\s*\(([^)]*)\)", re.I)
_FK = re.compile(r"FOREIGN\s+KEY\s*\(([^)]*)\)\s*REFERENCES\s+(\w+\.\w+)\s*\(([^)]*)\)", re.I)


def _strip_comments(sql: str) -> str:
    sql = re.sub(r"/\*.*?\*/", "", sql, flags=re.DOTALL)
    return re.sub(r"--[^\n]*", "", sql)


def _batches(name: str) -> list[str]:
    text = (ESTATE / name).read_text(encoding="utf-8")
    return [batch for batch in _GO.split(text) if _strip_comments(batch).strip()]


def _created(kind: str) -> dict[str, str]:
    """`schema.name` as written -> its batch, for every CREATE <kind>."""
    found = {}
    for script in SCRIPTS:
        for batch in _batches(script):
            match = _CREATE.search(_strip_comments(batch))
            if match and match.group(1).upper() == kind:
                found[match.group(2).replace("[", "").replace("]", "")] = batch
    return found


def _table_columns(batch: str) -> list[str]:
    body = _strip_comments(batch).split("(", 1)[1]
    return [line.split()[0] for line in body.splitlines()
            if line.strip() and not line.strip().upper().startswith(("CONSTRAINT", ")"))]


def _expected(name: str) -> list[list[str]]:
    path = ESTATE / "expected" / f"{name}.csv"
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))


def _view_columns(batch: str) -> list[str]:
    create = sqlglot.parse_one(_strip_comments(batch), read="tsql")
    assert isinstance(create, exp.Create), batch[:80]
    return create.expression.named_selects


def _procedure_target(batch: str) -> str:
    targets = _TARGET.findall(_strip_comments(batch))
    assert targets, batch[:120]
    return targets[-1]


TABLES = _created("TABLE")
VIEWS = _created("VIEW")
PROCEDURES = _created("PROCEDURE")


# --- size and shape -------------------------------------------------------------------


def test_scripts_are_utf8_and_complete():
    for name in [*SCRIPTS, "README.md"]:
        assert (ESTATE / name).read_bytes().decode("utf-8")
    assert not (ESTATE / "data").exists()  # every row is in 03_data.sql


def test_estate_is_large_enough():
    assert len(VIEWS) >= 50
    assert len(PROCEDURES) >= 30
    assert len(_created("FUNCTION")) == 2
    assert sum(1 for t in TABLES if t.startswith("dbo.")) == 10


@pytest.mark.parametrize(
    ("pattern", "minimum"),
    [
        (r"TRUNCATE\s+TABLE\s+etl\.", 8),
        (r"^\s*MERGE\s+etl\.", 8),
        (r"INTO\s+#Stage\b", 8),
        (r"STRING_AGG\(.*WITHIN\s+GROUP", 1),
        (r"\bPIVOT\s*\(", 1),
        (r"\bUNPIVOT\s*\(", 1),
        (r"\bCROSS\s+APPLY\b", 1),
        (r"\bOUTER\s+APPLY\b", 1),
        (r"WITH\s+TIES", 1),
        (r"\bPERCENT\b", 1),
        (r"WITH\s*\(NOLOCK\)", 1),
        (r"UNION\s+ALL", 2),  # recursive CTEs
        (r"\bTRY_CAST\(|\bTRY_CONVERT\(", 2),
        (r"\bIIF\(", 1),
        (r"\bCHOOSE\(", 1),
        (r"DATEDIFF\(\s*WEEK", 1),
        (r"\bEOMONTH\(", 2),
        (r"CONVERT\(varchar\(\d+\),\s*\w+,\s*(101|103|112|120|121)\)", 5),
        (r"dbo\.fn_\w+\(", 3),
    ],
)
def test_traps_are_present(pattern, minimum):
    text = "\n".join(_strip_comments(b) for b in [*VIEWS.values(), *PROCEDURES.values()])
    assert len(re.findall(pattern, text, re.I | re.M)) >= minimum


def test_every_view_names_its_trap_and_doc_page():
    text = (ESTATE / "05_views.sql").read_text(encoding="utf-8")
    for name in VIEWS:
        comment = re.search(rf"((?:--[^\n]*\n)+)CREATE VIEW {re.escape(name)}\b", text)
        assert comment, name
        assert "-- Trap: " in comment.group(1), name
        assert "-- Doc: https://learn.microsoft.com/" in comment.group(1), name


def test_nothing_depends_on_the_clock():
    for batch in [*VIEWS.values(), *PROCEDURES.values()]:
        assert not re.search(r"GETDATE|SYSDATETIME|CURRENT_TIMESTAMP|NEWID|RAND\(", _strip_comments(batch), re.I)


# --- expected rows --------------------------------------------------------------------


def test_every_expected_file_belongs_to_a_view_or_a_procedure_target():
    targets = {_procedure_target(b) for b in PROCEDURES.values()}
    files = {p.stem for p in (ESTATE / "expected").glob("*.csv")}
    assert files == set(VIEWS) | targets
    assert len(targets) == len(PROCEDURES)  # one target each


@pytest.mark.parametrize("name", sorted(VIEWS))
def test_view_expected_header_is_the_view_columns(name):
    records = _expected(name)
    assert records[0] == _view_columns(VIEWS[name])
    assert len(records) > 1  # every view returns rows
    assert all(len(r) == len(records[0]) for r in records[1:])


@pytest.mark.parametrize("name", sorted(PROCEDURES))
def test_procedure_target_expected_header_is_the_table_columns(name):
    target = _procedure_target(PROCEDURES[name])
    records = _expected(target)
    assert records[0] == _table_columns(TABLES[target])
    assert all(len(r) == len(records[0]) for r in records[1:])
    key = [records[0].index(c.strip()) for c in _PK.search(TABLES[target]).group(1).split(",")]
    keys = [tuple(r[i] for i in key) for r in records[1:]]
    assert len(set(keys)) == len(keys) and all(all(k) for k in keys)


def test_expected_values_are_formatted_like_sql_server_output():
    for path in (ESTATE / "expected").glob("*.csv"):
        raw = path.read_bytes()
        assert not raw.startswith(b"\xef\xbb\xbf") and b"\r\n" not in raw, path.name
        for record in _expected(path.stem)[1:]:
            for value in record:
                assert not re.fullmatch(r"\d{4}-\d{2}-\d{2}T.*|True|False|None|NULL", value), (path.name, value)


@pytest.mark.parametrize(
    ("name", "row"),
    [
        # ISNULL takes the first argument's type: varchar(10) cuts the replacement
        ("dbo.vw_SegmentLabels", ["4", "Unassigned", "Unassigned-Segment"]),
        # `+` with NULL is NULL; CONCAT skips the NULL
        ("dbo.vw_CustomerNames", ["3", "", "[ Acme Ltd]"]),
        # DATEDIFF counts boundaries: one second apart across New Year is a year, a quarter, a month
        ("dbo.vw_EventSpansCalendar", ["1", "1", "1", "1", "0"]),
        # money -> int rounds, decimal -> int truncates
        ("dbo.vw_PriceIntegers", ["1", "13", "12", "250"]),
        # ORDER BY ASC puts NULLs first, so TOP (3) takes both NULL credit limits
        ("dbo.vw_LowestCredit", ["3", ""]),
        # 'France', 'france', 'France ' are one group; 'Paris', 'PARIS', 'paris ' one city
        ("dbo.vw_CountryCities", ["FRANCE", "5", "2", "5"]),
        ("etl.MonthArithmetic", ["1", "2024-02-29", "2023-12-31", "2025-01-31", "2024-01-31", "2024-02-29", "2024-01-01"]),
    ],
)
def test_expected_rows_hold_the_documented_traps(name, row):
    assert row in _expected(name)[1:]


# --- the data -------------------------------------------------------------------------


def _literal(node: exp.Expression):
    if isinstance(node, exp.Null):
        return None
    if isinstance(node, exp.Neg):
        return "-" + str(_literal(node.this))
    if isinstance(node, exp.National):
        return node.name
    assert isinstance(node, exp.Literal), node.sql()
    return node.name if node.is_string else node.this


def _data() -> dict[str, list[dict]]:
    rows: dict[str, list[dict]] = {}
    for batch in _batches("03_data.sql"):
        for statement in sqlglot.parse(_strip_comments(batch), read="tsql"):
            if not isinstance(statement, exp.Insert):
                continue
            schema = statement.this
            table = schema.this
            columns = [c.name for c in schema.expressions]
            target = rows.setdefault(f"{table.db}.{table.name}", [])
            for values in statement.expression.expressions:
                target.append(dict(zip(columns, (_literal(v) for v in values.expressions), strict=True)))
    return rows


DATA = _data()


def test_every_source_table_has_rows_and_only_source_tables_do():
    assert set(DATA) == {t for t in TABLES if t.startswith("dbo.")}
    assert all(DATA.values())


@pytest.mark.parametrize("table", sorted(t for t in TABLES if t.startswith("dbo.")))
def test_primary_and_foreign_keys_hold_in_the_data(table):
    ddl = _strip_comments(TABLES[table])
    key = [c.strip() for c in _PK.search(ddl).group(1).split(",")]
    keys = Counter(tuple(r[c] for c in key) for r in DATA[table])
    assert all(count == 1 for count in keys.values())
    for columns, parent, parent_columns in _FK.findall(ddl):
        columns = [c.strip() for c in columns.split(",")]
        parent_columns = [c.strip() for c in parent_columns.split(",")]
        parent_keys = {tuple(r[c] for c in parent_columns) for r in DATA[parent]}
        for row in DATA[table]:
            value = tuple(row[c] for c in columns)
            assert None in value or value in parent_keys, (table, value)


def test_the_data_carries_the_traps():
    customers = DATA["dbo.Customers"]
    cities = [c["City"] for c in customers if c["City"]]
    assert {"Paris", "PARIS", "paris "} <= set(cities)  # case and trailing-space variants
    assert any(c["FirstName"] is None for c in customers)
    assert any(c["CustomerCode"].endswith(" ") for c in customers)
    assert "2024-02-29T12:00:00" in {c["CreatedAt"] for c in customers}
    assert {"2023-12-31T23:59:59", "2024-01-01T00:00:00"} <= {o["OrderDate"] for o in DATA["dbo.Orders"]}
