"""The capture kit: read-only T-SQL that parses, bcp commands, and CSV files that round-trip
through the tester's reader and comparator on the real PostgreSQL.

No SQL Server is reachable here, so the SQL Server side of the round trip writes each value the
way the kit's CONVERT style documents it (`_as_sql_server_writes`), and bcp's part the way
`-c -r \\n` writes a one-column result: the value, then a line feed."""

from __future__ import annotations

import datetime as dt
import subprocess
import uuid
from decimal import Decimal
from pathlib import Path

import pytest
import sqlglot
from sqlglot import exp

from migrator_pipeline.catalog.model import Catalog, Column, SourceObject
from migrator_pipeline.cli import main
from migrator_pipeline.evaluation.capture_kit import (
    BCP_OPTIONS,
    KitColumn,
    capture_kit,
    csv_line,
    kit_columns,
    rows_query,
    write_capture_kit,
)
from migrator_pipeline.evaluation.expected_rows import read_expected_file, read_expected_files, read_row_counts
from migrator_pipeline.evaluation.row_comparison import match_model, sql_server_types
from migrator_pipeline.planning.model import MigrationPlan, PlannedModel

TYPES = [("OrderID", "int"), ("Customer", "nvarchar(50)"), ("Amount", "decimal(10,2)"), ("Fee", "money"),
         ("Ratio", "float"), ("Paid", "bit"), ("OrderDate", "date"), ("PlacedAt", "datetime"),
         ("ShippedAt", "datetime2(7)"), ("Slot", "time(7)"), ("Signature", "varbinary(16)"),
         ("Token", "uniqueidentifier"), ("Note", "varchar(max)")]


def _estate() -> tuple[Catalog, MigrationPlan]:
    catalog = Catalog("x", objects=[
        SourceObject("dbo", "Orders", "table", columns=[Column("OrderID", "int"), Column("Amount", "decimal(10,2)")]),
        SourceObject("Sales", "Order Lines", "table", columns=[Column("LineID", "int")]),
        SourceObject("dbo", "vOrders", "view", columns=[Column(name, sql_type) for name, sql_type in TYPES]),
        SourceObject("dbo", "vTotals", "view"),  # from a script: the catalog does not know its columns
        SourceObject("dbo", "vNotRead", "view"),
        SourceObject("dw", "Fact", "table", columns=[Column("OrderID", "int"), Column("Total", "money")]),
        SourceObject("dw", "usp_Load", "procedure"),
    ])
    plan = MigrationPlan("p", "p_raw", models=[
        PlannedModel("vorders", "marts", "view", "dbo.vorders", ""),
        PlannedModel("vtotals", "marts", "view", "dbo.vtotals", ""),
        PlannedModel("fact", "marts", "table", "dw.usp_load", "", target="dw.fact"),
    ], names={"dbo.vTotals": {"model": "vtotals", "columns": {"Customer ID": "customer_id", "Total": "total",
                                                              "Since": "since", "Label": "label"}}})
    return catalog, plan


TOTALS_TYPES = {"p.vtotals": {"customer_id": "integer", "total": "numeric(12,2)", "since": "timestamp(3) without time zone"}}


def _statements(sql: str) -> list[exp.Expression]:
    return [s for s in sqlglot.parse(sql, read="tsql", error_level=sqlglot.ErrorLevel.RAISE) if s is not None]


# ---------------------------------------------------------------- read-only T-SQL

def test_every_statement_of_the_kit_is_one_select_that_parses_as_tsql(tmp_path):
    catalog, plan = _estate()
    kit = capture_kit(catalog, plan, TOTALS_TYPES)
    written = write_capture_kit(kit, tmp_path)
    statements = _statements((tmp_path / "capture.sql").read_text(encoding="utf-8"))
    assert len(statements) == len(kit.queries) == 4  # 2 views, 1 procedure target, 1 row-count query
    for statement in statements:
        assert isinstance(statement, exp.Select), statement.sql("tsql")[:80]
        writes = (exp.Insert, exp.Update, exp.Delete, exp.Merge, exp.Create, exp.Drop, exp.Alter, exp.Command, exp.Into)
        assert not list(statement.find_all(*writes)), statement.sql("tsql")[:80]
    queries = sorted(p for p in written if p.parent.name == "queries")
    assert [len(_statements(p.read_text(encoding="utf-8"))) for p in queries] == [1] * 4
    assert [type(_statements(p.read_text(encoding="utf-8"))[0]) for p in queries] == [exp.Select] * 4


def test_the_queries_read_the_objects_they_name():
    catalog, plan = _estate()
    kit = capture_kit(catalog, plan, TOTALS_TYPES)
    assert [(q.file, q.append) for q in kit.queries] == [
        ("expected/dbo.vOrders.csv", False), ("expected/dbo.vTotals.csv", False),
        ("expected/dw.Fact.csv", False), ("expected/row_counts.csv", True)]
    tables = [{t.sql("tsql") for t in _statements(q.sql)[0].find_all(exp.Table)} for q in kit.queries]
    assert tables[:3] == [{"[dbo].[vOrders]"}, {"[dbo].[vTotals]"}, {"[dw].[Fact]"}]
    assert tables[3] == {"[dbo].[Orders]", "[Sales].[Order Lines]", "[dw].[Fact]"}


def test_views_without_known_columns_or_types_are_named_in_the_notes():
    catalog, plan = _estate()
    kit = capture_kit(catalog, plan, {})
    assert "dbo.vNotRead: left out, its columns are not known (the view was not read)" in kit.notes
    assert "dbo.vTotals: type unknown, written as text: Customer ID, Total, Since, Label" in kit.notes


def test_rows_query_spells_the_header_and_each_line():
    view = SourceObject("dbo", "v'q", "view")
    columns = [KitColumn("ID", "number"), KitColumn('Say "hi"', "text"), KitColumn("Fee", "money")]
    assert rows_query(view, columns) == (
        "SELECT [line] FROM (SELECT 0 AS [part], N'\"ID\",\"Say \"\"hi\"\"\",\"Fee\"' AS [line] UNION ALL "
        "SELECT 1, ISNULL(CONVERT(nvarchar(max), [ID]), N'') + N',' + "
        "ISNULL(CHAR(34) + REPLACE(CONVERT(nvarchar(max), [Say \"hi\"]), CHAR(34), CHAR(34) + CHAR(34)) + CHAR(34), N'') "
        "+ N',' + ISNULL(CONVERT(nvarchar(max), [Fee], 2), N'') FROM [dbo].[v'q]) AS [capture] ORDER BY [part]")
    assert csv_line([KitColumn("Name", "text")]) == (
        "ISNULL(CHAR(34) + REPLACE(CONVERT(nvarchar(max), [Name]), CHAR(34), CHAR(34) + CHAR(34)) + CHAR(34), "
        "CHAR(34) + CHAR(34))")


@pytest.mark.parametrize(("sql_type", "built", "family", "conversion"), [
    ("int", None, "number", "CONVERT(nvarchar(max), [c])"),
    ("decimal(10,2)", None, "number", "CONVERT(nvarchar(max), [c])"),
    ("bit", None, "number", "CONVERT(nvarchar(max), [c])"),
    ("money", None, "money", "CONVERT(nvarchar(max), [c], 2)"),  # style 0 would keep 2 of its 4 decimals
    ("smallmoney", None, "money", "CONVERT(nvarchar(max), [c], 2)"),
    ("float", None, "float", "CONVERT(nvarchar(max), [c], 3)"),  # style 0 would keep 6 digits
    ("real", None, "float", "CONVERT(nvarchar(max), [c], 3)"),
    ("date", None, "date", "CONVERT(nvarchar(max), [c], 23)"),
    ("datetime", None, "datetime", "CONVERT(nvarchar(max), [c], 121)"),  # style 0 would be 'Jan  2 2024  3:04AM'
    ("datetime2(7)", None, "datetime", "CONVERT(nvarchar(max), [c], 121)"),
    ("time(7)", None, "datetime", "CONVERT(nvarchar(max), [c], 121)"),
    ("varbinary(16)", None, "binary", "CONVERT(nvarchar(max), CONVERT(varbinary(max), [c]), 1)"),
    ("uniqueidentifier", None, "plain", "CONVERT(nvarchar(max), [c])"),
    ("geography", None, "spatial",
     "CHAR(34) + REPLACE([c].STAsText(), CHAR(34), CHAR(34) + CHAR(34)) + CHAR(34)"),
    ("nvarchar(50)", None, "text",
     "CHAR(34) + REPLACE(CONVERT(nvarchar(max), [c]), CHAR(34), CHAR(34) + CHAR(34)) + CHAR(34)"),
    (None, "numeric(12,2)", "number", "CONVERT(nvarchar(max), [c])"),
    (None, "timestamp(3) without time zone", "datetime", "CONVERT(nvarchar(max), [c], 121)"),
    (None, "double precision", "float", "CONVERT(nvarchar(max), [c], 3)"),
    (None, "bytea", "binary", "CONVERT(nvarchar(max), CONVERT(varbinary(max), [c]), 1)"),
    (None, "character varying(20)", "text",
     "CHAR(34) + REPLACE(CONVERT(nvarchar(max), [c]), CHAR(34), CHAR(34) + CHAR(34)) + CHAR(34)"),
])
def test_each_type_is_written_in_its_canonical_style(sql_type, built, family, conversion):
    view = SourceObject("dbo", "v", "view", columns=[Column("c", sql_type)] if sql_type else [])
    plan = MigrationPlan("p", "p_raw", names={"dbo.v": {"columns": {"c": "c"}}})
    [column] = kit_columns(view, plan, {"c": built} if built else {})
    assert (column.family, column.known) == (family, True)
    assert csv_line([column, KitColumn("x", "number")]) == (
        f"ISNULL({conversion}, N'') + N',' + ISNULL(CONVERT(nvarchar(max), [x]), N'')")


# ---------------------------------------------------------------- the CSV round trip

def _as_sql_server_writes(value, sql_type: str) -> str | None:
    """One value as the kit's CONVERT style writes it, per SQL Server's documentation."""
    if value is None:
        return None
    name = sql_type.split("(")[0]
    if name in ("nvarchar", "varchar"):
        return '"' + value.replace('"', '""') + '"'
    if name == "money":
        return format(Decimal(value).quantize(Decimal("0.0001")), "f")  # style 2: four decimals
    if name == "float":
        return f"{value:.16E}"  # style 3: 17 significant digits
    if name == "bit":
        return "1" if value else "0"
    if name == "datetime":  # style 121: yyyy-mm-dd hh:mi:ss.mmm
        return value.strftime("%Y-%m-%d %H:%M:%S.") + f"{value.microsecond // 1000:03d}"
    if name == "datetime2":  # style 121 at datetime2(7): seven fractional digits
        return value.strftime("%Y-%m-%d %H:%M:%S.") + f"{value.microsecond:06d}0"
    if name == "time":
        return value.strftime("%H:%M:%S.") + f"{value.microsecond:06d}0"
    if name == "varbinary":
        return "0x" + value.hex().upper()  # style 1
    if name == "uniqueidentifier":
        return str(value).upper()
    if name == "date":
        return value.isoformat()  # style 23
    return str(value)  # int, decimal at its scale


def _bcp_file(path: Path, columns: list[str], types: list[str], rows: list[tuple]) -> None:
    """What `bcp queryout -c -r \\n` writes for the kit's one-column result: header, then lines."""
    lines = [",".join('"' + c.replace('"', '""') + '"' for c in columns)]
    for row in rows:
        fields = [_as_sql_server_writes(v, t) for v, t in zip(row, types, strict=True)]
        lines.append(",".join(f if f is not None else "" for f in fields) if len(fields) > 1 else (fields[0] or '""'))
    path.write_bytes(("\n".join(lines) + "\n").encode("utf-8"))


ROWS = [
    (1, 'O\'Brien, "Jim"', Decimal("12.50"), Decimal("12.3456"), 0.1, True, dt.date(2024, 1, 2),
     dt.datetime(2024, 1, 2, 3, 4, 5, 120000), dt.datetime(2024, 1, 2, 3, 4, 5, 123456), dt.time(3, 4, 5, 500000),
     b"\x0a\xff", uuid.UUID("6f9619ff-8b86-d011-b42d-00c04fc964ff"), "line one\nline two"),
    (2, "Zoë", Decimal("-0.50"), Decimal("7"), 1e-300, False, dt.date(1900, 1, 1),
     dt.datetime(1900, 1, 1), dt.datetime(9999, 12, 31, 23, 59, 59, 999999), dt.time(0, 0),
     b"", uuid.UUID("00000000-0000-0000-0000-000000000000"), ""),
    (3, None, None, None, None, None, None, None, None, None, None, None, None),
]


def _postgres_copy(pg, rows) -> str:
    pg.execute("select current_schema()")
    schema = pg.fetchone()[0]
    pg.execute("create table vorders (orderid int, customer text, amount numeric(10,2), fee numeric(19,4), "
               "ratio double precision, paid boolean, orderdate date, placedat timestamp(3), shippedat timestamp, "
               "slot time, signature bytea, token uuid, note text)")
    pg.executemany("insert into vorders values (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                   [tuple(str(v) if isinstance(v, uuid.UUID) else v for v in row) for row in rows])
    return f"{schema}.vorders"


def test_a_file_as_bcp_writes_it_round_trips_through_the_tester(tmp_path, pg):
    catalog, _ = _estate()
    path = tmp_path / "dbo.vOrders.csv"
    _bcp_file(path, [name for name, _ in TYPES], [t for _, t in TYPES], ROWS)
    expected, finding = read_expected_file(path, catalog)
    assert finding is None
    assert expected.columns == [name for name, _ in TYPES]
    assert expected.rows[0][1] == 'O\'Brien, "Jim"' and expected.rows[0][12] == "line one\nline two"
    assert expected.rows[2] == ["3"] + [None] * 12
    relation = _postgres_copy(pg, ROWS)
    match = match_model(pg, expected, "vorders", relation, sql_server_types(catalog, "dbo.vorders"))
    assert (match.matched, match.expected_rows, match.actual_rows, match.reason) == (True, 3, 3, None)


def test_a_value_the_model_gets_wrong_does_not_round_trip_as_equal(tmp_path, pg):
    catalog, _ = _estate()
    path = tmp_path / "dbo.vOrders.csv"
    _bcp_file(path, [name for name, _ in TYPES], [t for _, t in TYPES], ROWS)
    expected, _ = read_expected_file(path, catalog)
    wrong = [ROWS[0][:3] + (Decimal("12.35"),) + ROWS[0][4:], *ROWS[1:]]  # money rounded to 2 decimals
    match = match_model(pg, expected, "vorders", _postgres_copy(pg, wrong))
    assert (match.matched, match.missing, match.unexpected) == (False, 1, 1)
    assert match.unexpected_rows[0]["Fee"] == "12.3500"


def test_a_one_column_null_survives_as_a_row(tmp_path):
    catalog = Catalog("x", objects=[SourceObject("dbo", "vNames", "view")])
    path = tmp_path / "dbo.vNames.csv"
    _bcp_file(path, ["Name"], ["nvarchar(10)"], [("Ann",), (None,), ("",)])
    assert path.read_text() == '"Name"\n"Ann"\n""\n""\n'
    expected, _ = read_expected_file(path, catalog)
    assert expected.rows == [["Ann"], [None], [None]]


def test_row_counts_are_read_and_not_taken_for_an_object(tmp_path):
    catalog, _ = _estate()
    folder = tmp_path / "expected"
    folder.mkdir()
    (folder / "row_counts.csv").write_text(
        'schema,table,rows\n"dbo","Orders",830\n"Sales","Order Lines",0\n"dbo","vOrders",3\n"dbo","Nope",1\n',
        encoding="utf-8")
    counts, findings = read_row_counts(folder, catalog)
    assert counts == {"dbo.orders": 830, "sales.order lines": 0}
    assert [(f.message, f.line) for f in findings] == [("row count line not used: dbo,vOrders,3", 4),
                                                       ("row count line not used: dbo,Nope,1", 5)]
    assert read_expected_files(folder, catalog) == ([], [])
    (folder / "row_counts.csv").write_text("a,b\n", encoding="utf-8")
    assert [f.message for f in read_row_counts(folder, catalog)[1]] == [
        "row counts need the header schema,table,rows, file skipped"]


# ---------------------------------------------------------------- the shell script and the command

def test_capture_sh_is_valid_bash_and_runs_each_query_with_the_kits_bcp_options(tmp_path):
    catalog, plan = _estate()
    write_capture_kit(capture_kit(catalog, plan, TOTALS_TYPES), tmp_path)
    script = (tmp_path / "capture.sh").read_text()
    subprocess.run(["bash", "-n", str(tmp_path / "capture.sh")], check=True)
    assert BCP_OPTIONS == ["-c", "-r", "\\n"]
    assert "bcp \"$(cat \"$1\")\" queryout \"$2\" '-c' '-r' '\\n' -S \"$SERVER\" -d \"$DATABASE\"" in script
    assert "run queries/0001.sql 'expected/dbo.vOrders.csv'" in script
    assert "run queries/0004.sql \"$chunk\" && cat \"$chunk\" >> 'expected/row_counts.csv'" in script
    assert "printf '%s\\n' 'schema,table,rows' > expected/row_counts.csv" in script


def test_bcp_as_a_stub_fills_expected_in_the_tester_layout(tmp_path):
    """capture.sh run end to end with a `bcp` that records its arguments and writes one line."""
    catalog, plan = _estate()
    write_capture_kit(capture_kit(catalog, plan, TOTALS_TYPES), tmp_path)
    stub = tmp_path / "bin" / "bcp"
    stub.parent.mkdir()
    stub.write_text('#!/usr/bin/env bash\nprintf "%s\\n" "$@" >> "$(dirname "$0")/calls"\n'
                    'printf \'"dbo","Orders",2\\n\' > "$3"\n')
    stub.chmod(0o755)
    env = {"PATH": f"{stub.parent}:/usr/bin:/bin", "SERVER": "db1,1433", "DATABASE": "SalesDW"}
    subprocess.run(["bash", str(tmp_path / "capture.sh")], check=True, env=env, capture_output=True)
    calls = (stub.parent / "calls").read_text().split("\n")
    assert calls.count("queryout") == 4 and calls.count("-T") == 4 and "db1,1433" in calls
    assert (tmp_path / "expected" / "row_counts.csv").read_text() == 'schema,table,rows\n"dbo","Orders",2\n'
    counts, findings = read_row_counts(tmp_path / "expected", catalog)
    assert (counts, findings) == ({"dbo.orders": 2}, [])


def test_capture_kit_command_writes_the_kit_of_a_migrated_project(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("MIGRATOR_HOME", str(tmp_path))
    catalog, plan = _estate()
    project = tmp_path / "projects" / "p"
    project.mkdir(parents=True)
    catalog.save(project / "catalog.json")
    plan.save(project / "plan.json")
    assert main(["capture-kit", "--project", "p"]) == 0
    out = capsys.readouterr().out
    assert f"capture kit for 'p': 4 read-only SELECTs in {project}/capture_kit/capture.sql" in out
    assert (project / "capture_kit" / "capture.sh").exists()
    assert main(["capture-kit", "--project", "p", "--output", str(tmp_path / "kit")]) == 0
    assert len(list((tmp_path / "kit" / "queries").glob("*.sql"))) == 4


@pytest.mark.parametrize(("argv", "message"), [
    (["capture-kit", "--project", "nosuch"], "migrator: error: no migrated project 'nosuch' in "),
    (["capture-kit", "--project", "../etc"], "migrator: error: invalid project name '../etc'"),
    (["capture-kit"], "migrator: error: the following arguments are required: --project"),
])
def test_capture_kit_command_refuses_in_one_line(argv, message, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("MIGRATOR_HOME", str(tmp_path))
    with pytest.raises(SystemExit) if argv == ["capture-kit"] else _no_exit() as raised:
        code = main(argv)
    code = raised.value.code if argv == ["capture-kit"] else code
    err = capsys.readouterr().err
    assert code == 2
    assert len(err.strip().splitlines()) == 1 and err.startswith(message), err
    assert not (tmp_path / "projects" / "nosuch").exists()


class _no_exit:
    value = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def test_a_loaded_table_exports_only_the_columns_its_model_produces():
    table = SourceObject("dw", "Fact", "table", columns=[Column("FactKey", "int", identity=True),
                                                         Column("OrderID", "int"), Column("Total", "money")])
    plan = MigrationPlan("p", "p_raw", names={"dw.Fact": {"model": "fact", "columns": {
        "FactKey": None, "OrderID": "orderid", "Total": "total"}}})
    assert [(c.name, c.family) for c in kit_columns(table, plan, {})] == [("OrderID", "number"), ("Total", "money")]
