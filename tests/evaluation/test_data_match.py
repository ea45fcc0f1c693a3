"""Data validation: normalising values, comparing rows as multisets, reading expected results
from files and from a live SQL Server (the DB-API fake), and reading models on the real PostgreSQL."""

from __future__ import annotations

import datetime as dt
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from migrator_pipeline.catalog.model import Catalog, Finding, SourceObject
from migrator_pipeline.catalog.sources import SourceSpec
from migrator_pipeline.evaluation import expected_rows
from migrator_pipeline.evaluation.data_match import DataValidation, validate_data
from migrator_pipeline.evaluation.expected_rows import (
    ExpectedResult,
    expected_folder,
    expected_results,
    read_expected_files,
    read_expected_live,
)
from migrator_pipeline.evaluation.row_comparison import DataMatch, compare_rows, match_model
from migrator_pipeline.evaluation.value_normalisation import has_fraction, normalise
from migrator_pipeline.planning.model import MigrationPlan, PlannedModel

sys.path.insert(0, str(Path(__file__).parents[1] / "catalog"))
import mssql_fake  # noqa: E402

UTC = dt.timezone.utc


# ---------------------------------------------------------------- normalising values

@pytest.mark.parametrize(("value", "kind", "normal"), [
    # numbers: exactly, by value; only the spelling is normalised
    ("12.50", "number", Decimal("12.5")),
    (Decimal("12.5000"), "number", Decimal("12.5")),
    (Decimal("33.333333"), "number", Decimal("33.333333")),
    (Decimal("0.125"), "number", Decimal("0.125")),
    (7, "integer", Decimal("7")),
    (" 7 ", "integer", Decimal("7")),
    ("1.0E2", "number", Decimal("100")),
    ("1e1", "integer", Decimal("10")),
    (True, "number", Decimal("1")),
    ("True", "integer", Decimal("1")),  # a bit as SSMS exports it, against a model's 0/1 integer
    ("false", "integer", Decimal("0")),
    ("12,5", "number", ("unparsed", "12,5")),
    # floats as IEEE doubles, reals as singles
    ("0.1", "float", 0.1),
    ("1.0000000000000001E-1", "float", 0.1),  # SQL Server's 17-digit float text
    (0.1 + 0.2, "float", 0.30000000000000004),
    ("1.00000001E-1", "real", 0.10000000149011612),
    (0.1, "real", 0.10000000149011612),
    ("NaN", "float", ("nan",)),
    # booleans: bit 1/0 is true/false
    ("1", "boolean", True),
    ("0", "boolean", False),
    ("True", "boolean", True),
    ("f", "boolean", False),
    (True, "boolean", True),
    ("2", "boolean", ("unparsed", "2")),
    # dates and timestamps
    ("2024-01-02", "date", dt.date(2024, 1, 2)),
    ("2024-01-02 00:00:00.000", "date", dt.date(2024, 1, 2)),
    (dt.date(2024, 1, 2), "date", dt.date(2024, 1, 2)),
    ("2024-01-02 03:04:05", "timestamp", dt.datetime(2024, 1, 2, 3, 4, 5)),
    ("2024-01-02 03:04:05.12", "timestamp", dt.datetime(2024, 1, 2, 3, 4, 5, 120000)),
    ("2024-01-02T03:04:05.123", "timestamp", dt.datetime(2024, 1, 2, 3, 4, 5, 123000)),
    # datetime2(7): 100 ns rounded to microseconds, as PostgreSQL rounds when it stores them
    ("2024-01-02 03:04:05.1234567", "timestamp", dt.datetime(2024, 1, 2, 3, 4, 5, 123457)),
    ("2024-01-02 23:59:59.9999999", "timestamp", dt.datetime(2024, 1, 3)),
    ("2024-01-02", "timestamp", dt.datetime(2024, 1, 2)),
    ("2024-01-02 03:04:05 +01:00", "timestamp", dt.datetime(2024, 1, 2, 2, 4, 5, tzinfo=UTC)),
    (dt.datetime(2024, 1, 2, 3, 4, 5), "timestamp", dt.datetime(2024, 1, 2, 3, 4, 5)),
    ("2024-02-30 00:00:00", "timestamp", ("unparsed", "2024-02-30 00:00:00")),
    ("03:04:05.5", "time", dt.time(3, 4, 5, 500000)),
    # binary, uuid, text
    ("0x0AFF", "bytes", "0aff"),
    ("\\x0aff", "bytes", "0aff"),
    (memoryview(b"\x0a\xff"), "bytes", "0aff"),
    ("6F9619FF-8B86-D011-B42D-00C04FC964FF", "uuid", "6f9619ff-8b86-d011-b42d-00c04fc964ff"),
    ("Smith", "text", "Smith"),
    ("Smith ", "text", "Smith "),
    # NULL is only NULL
    (None, "number", None),
    (None, "text", None),
])
def test_normalise(value, kind, normal):
    assert normalise(value, kind) == normal


def test_normalised_equal_values_compare_equal_and_different_ones_do_not():
    assert normalise("12.50", "number") == normalise(Decimal("12.5"), "number")
    assert normalise("10", "number") == normalise(Decimal("10.000"), "number")
    assert normalise("1e1", "number") == normalise(10, "integer")
    assert normalise("1", "boolean") == normalise(True, "boolean")
    assert normalise("2024-01-02 03:04:05.120", "timestamp") == normalise(
        dt.datetime(2024, 1, 2, 3, 4, 5, 120000), "timestamp")
    # a case-insensitive collation compares, but does not return, values case-insensitively
    assert normalise("Smith", "text") != normalise("SMITH", "text")
    assert normalise("", "text") != normalise(None, "text")
    assert normalise("0", "number") != normalise(None, "number")


@pytest.mark.parametrize(("expected", "actual", "kind"), [
    # each of these "matched" when numbers were rounded to the expected text's scale
    ("10", Decimal("10.3333"), "number"),
    ("33.33", Decimal("33.333333"), "number"),
    ("0.13", Decimal("0.125"), "number"),
    ("-0.13", Decimal("-0.125"), "number"),
    ("7", Decimal("7.4"), "number"),
    ("0.3", 0.1 + 0.2, "float"),
    ("12.5", Decimal("12.5000001"), "number"),
])
def test_a_different_number_never_equals_the_expected_one(expected, actual, kind):
    assert normalise(expected, kind) != normalise(actual, kind)


@pytest.mark.parametrize(("value", "fraction"), [
    (Decimal("10.0000"), False), (Decimal("10.3333"), True), (10, False), (10.5, True), ("7", False),
    (None, False), ("abc", False), (Decimal("-0.0001"), True),
])
def test_has_fraction(value, fraction):
    assert has_fraction(value) is fraction


# ---------------------------------------------------------------- comparing rows as multisets

def _expected(columns, rows, empty_is_null=True):
    return ExpectedResult("dbo.v", "dbo.v", columns, rows, "expected/dbo.v.csv", empty_is_null)


def test_equal_rows_in_another_order_and_spelling_match():
    expected = _expected(["ID", "Amount", "Paid", "At", "Name"], [
        ["1", "12.50", "1", "2024-01-02 03:04:05.120", "Ann"],
        ["2", None, "0", None, None],
    ])
    actual = [
        (2, None, False, None, None),
        (1, Decimal("12.5"), True, dt.datetime(2024, 1, 2, 3, 4, 5, 120000), "Ann"),
    ]
    match = compare_rows(expected, "v", "p.v", ["id", "amount", "paid", "at", "name"],
                         ["number", "number", "boolean", "timestamp", "text"], actual)
    assert match == DataMatch("dbo.v", "v", "p.v", "expected/dbo.v.csv", True, ["ID", "Amount", "Paid", "At", "Name"],
                              expected_rows=2, actual_rows=2)


def test_a_fraction_where_sql_server_returns_an_integer_is_a_mismatch_with_its_type():
    # SQL Server: SUM(qty) / COUNT(*) on ints is 10; a model that computes 10.3333 is wrong,
    # even though rounding it to the expected text's scale would give 10
    expected = _expected(["CustomerID", "AvgQty"], [["1", "10"], ["2", "4"]])
    match = compare_rows(expected, "v", "p.v", ["customerid", "avgqty"], ["integer", "number"],
                         [(1, Decimal("10.3333")), (2, Decimal("4.0000"))])
    assert (match.matched, match.missing, match.unexpected) == (False, 1, 1)
    assert match.missing_rows == [{"CustomerID": "1", "AvgQty": "10"}]
    assert match.unexpected_rows == [{"CustomerID": "1", "AvgQty": "10.3333"}]
    assert match.type_differences == ["AvgQty: SQL Server returns integers, the model returns 10.3333"]


def test_integral_numerics_equal_sql_server_integers():
    expected = _expected(["AvgQty"], [["10"], ["4"]])
    match = compare_rows(expected, "v", "p.v", ["avgqty"], ["number"], [(Decimal("10.0000"),), (Decimal("4"),)])
    assert (match.matched, match.type_differences) == (True, [])


def test_the_catalog_type_says_which_columns_hold_integers():
    # SQL Server's type is int: its values are integers even when the CSV spells one 5.0
    expected = _expected(["Qty", "Price"], [["5.0", "1"]])
    rows = [(Decimal("5.5"), Decimal("1.5"))]
    typed = compare_rows(expected, "v", "p.v", ["qty", "price"], ["number", "number"], rows,
                         {"qty": "int", "price": "decimal(10,2)"})
    assert typed.type_differences == ["Qty: SQL Server returns integers, the model returns 5.5"]
    untyped = compare_rows(expected, "v", "p.v", ["qty", "price"], ["number", "number"], rows)
    assert untyped.type_differences == ["Price: SQL Server returns integers, the model returns 1.5"]


def test_exact_values_match_in_any_spelling():
    expected = _expected(["A", "B", "C"], [["10", "1e1", "12.50"], ["-3", "0.5", "7"]])
    actual = [(Decimal("10.000"), 10.0, Decimal("12.5")), (-3, 0.5, Decimal("7.00"))]
    match = compare_rows(expected, "v", "p.v", ["a", "b", "c"], ["number", "float", "number"], actual)
    assert (match.matched, match.missing, match.unexpected) == (True, 0, 0)


def test_duplicates_count_as_a_multiset():
    expected = _expected(["ID", "Name"], [["1", "a"], ["1", "a"], ["2", "b"]])
    actual = [(1, "a"), (2, "b"), (2, "b"), (3, "SMITH")]
    match = compare_rows(expected, "v", "p.v", ["id", "name"], ["number", "text"], actual)
    assert (match.matched, match.expected_rows, match.actual_rows, match.missing, match.unexpected) == (
        False, 3, 4, 1, 2)
    assert match.missing_rows == [{"ID": "1", "Name": "a"}]
    assert match.unexpected_rows == [{"ID": "2", "Name": "b"}, {"ID": "3", "Name": "SMITH"}]
    assert match.reason is None


def test_case_differs_is_a_difference():
    expected = _expected(["Name"], [["Smith"]])
    match = compare_rows(expected, "v", "p.v", ["name"], ["text"], [("SMITH",)])
    assert (match.matched, match.missing_rows, match.unexpected_rows) == (
        False, [{"Name": "Smith"}], [{"Name": "SMITH"}])


def test_an_empty_csv_field_stands_for_null_and_empty_string_but_a_live_empty_string_does_not():
    csv_rows = _expected(["Name"], [[None], [None]])
    assert compare_rows(csv_rows, "v", "p.v", ["name"], ["text"], [("",), (None,)]).matched
    live_rows = _expected(["Name"], [[""], [None]], empty_is_null=False)
    assert compare_rows(live_rows, "v", "p.v", ["name"], ["text"], [("",), (None,)]).matched
    differs = compare_rows(live_rows, "v", "p.v", ["name"], ["text"], [(None,), (None,)])
    assert (differs.missing_rows, differs.unexpected_rows) == ([{"Name": ""}], [{"Name": None}])


def test_a_missing_column_is_a_mismatch_with_its_name():
    expected = _expected(["CustomerID", "Full Name"], [["1", "Ann"]])
    match = compare_rows(expected, "v", "p.v", ["customerid", "name"], ["number", "text"], [(1, "Ann")])
    assert (match.matched, match.reason, match.actual_rows) == (
        False, "the model has no column Full Name (full_name)", None)


def test_model_columns_match_expected_ones_through_the_identifier_policy_and_extra_ones_are_ignored():
    expected = _expected(["[Order ID]", "Total"], [["1", "5"]])
    match = compare_rows(expected, "v", "p.v", ["extra", "total", "order_id"], ["text", "number", "number"],
                         [("x", Decimal("5.00"), 1)])
    assert match.matched


def test_at_most_ten_rows_of_each_difference_are_kept():
    expected = _expected(["ID"], [[str(i)] for i in range(25)])
    match = compare_rows(expected, "v", "p.v", ["id"], ["number"], [])
    assert (match.missing, len(match.missing_rows), match.missing_rows[0]) == (25, 10, {"ID": "0"})


def test_shown_actual_values_are_spelled_as_sql_server_shows_them():
    expected = _expected(["A", "B", "C", "D"], [])
    match = compare_rows(expected, "v", "p.v", ["a", "b", "c", "d"], ["boolean", "number", "timestamp", "bytes"],
                         [(True, Decimal("1.50"), dt.datetime(2024, 1, 2, 3, 4), b"\x0a")])
    assert match.unexpected_rows == [{"A": "1", "B": "1.50", "C": "2024-01-02 03:04:00", "D": "0x0A"}]


# ---------------------------------------------------------------- models on the real PostgreSQL

def test_match_model_reads_the_relation_on_postgres(pg):
    pg.execute("select current_schema()")
    schema = pg.fetchone()[0]
    pg.execute("create table directory (customerid int, fullname text, credit numeric(10,4), "
               "active boolean, since date, seen timestamp)")
    pg.execute("insert into directory values (1, 'James O''Brien', 5000, true, '2022-01-15', '2024-01-02 03:04:05.12'),"
               " (2, 'Mary Smith', null, false, '2022-02-03', null), (2, 'Mary Smith', null, false, '2022-02-03', null)")
    expected = _expected(["CustomerID", "FullName", "Credit", "Active", "Since", "Seen"], [
        ["2", "Mary Smith", None, "0", "2022-02-03", None],
        ["1", "James O'Brien", "5000.00", "1", "2022-01-15", "2024-01-02 03:04:05.120"],
        ["3", "Extra", None, "1", "2022-01-01", None],
    ])
    match = match_model(pg, expected, "directory", f"{schema}.directory")
    assert (match.matched, match.actual_rows, match.missing, match.unexpected) == (False, 3, 1, 1)
    assert match.missing_rows == [{"CustomerID": "3", "FullName": "Extra", "Credit": None, "Active": "1",
                                   "Since": "2022-01-01", "Seen": None}]
    assert match.unexpected_rows == [{"CustomerID": "2", "FullName": "Mary Smith", "Credit": None, "Active": "0",
                                      "Since": "2022-02-03", "Seen": None}]


def test_postgres_average_of_integers_is_not_sql_servers(pg):
    # SQL Server's AVG over an int column is an int (31/3 = 10); PostgreSQL's avg is numeric 10.333...
    pg.execute("select current_schema()")
    schema = pg.fetchone()[0]
    pg.execute("create table qty_lines (customerid int, qty int)")
    pg.execute("insert into qty_lines values (1, 10), (1, 10), (1, 11), (2, 4), (2, 4)")
    pg.execute("create view avg_qty as select customerid, avg(qty) as avgqty from qty_lines group by customerid")
    pg.execute("create view avg_qty_int as select customerid, avg(qty)::int as avgqty from qty_lines group by customerid")
    expected = _expected(["CustomerID", "AvgQty"], [["1", "10"], ["2", "4"]])
    wrong = match_model(pg, expected, "avg_qty", f"{schema}.avg_qty", {"customerid": "int", "avgqty": "int"})
    assert (wrong.matched, wrong.missing, wrong.unexpected) == (False, 1, 1)
    assert wrong.unexpected_rows == [{"CustomerID": "1", "AvgQty": "10.3333333333333333"}]
    assert wrong.type_differences == ["AvgQty: SQL Server returns integers, the model returns 10.3333333333333333"]
    # 4.0000000000000000 for customer 2 is the same value as SQL Server's 4: spelling only
    right = match_model(pg, expected, "avg_qty_int", f"{schema}.avg_qty_int", {"customerid": "int", "avgqty": "int"})
    assert (right.matched, right.type_differences) == (True, [])


def test_validate_data_turns_an_unreadable_model_into_evidence(pg):
    pg.execute("select current_schema()")
    schema = pg.fetchone()[0]
    pg.execute("create view okview as select 1 as id")
    catalog = Catalog("x", objects=[SourceObject("dbo", "vOk", "view"), SourceObject("dbo", "vGone", "view")])
    plan = MigrationPlan(schema, f"{schema}_raw", models=[
        PlannedModel("okview", "marts", "view", "dbo.vok", ""),
        PlannedModel("gone", "marts", "view", "dbo.vgone", "")])
    expected = [ExpectedResult("dbo.vok", "dbo.vOk", ["ID"], [["1"]], "expected/dbo.vOk.csv", True),
                ExpectedResult("dbo.vgone", "dbo.vGone", ["ID"], [["1"]], "expected/dbo.vGone.csv", True)]
    matches = validate_data(pg.connection, expected, plan, catalog)
    assert [(m.source, m.matched, m.actual_rows) for m in matches] == [("dbo.vOk", True, 1), ("dbo.vGone", False, None)]
    assert matches[1].reason == f'cannot read {schema}.gone: relation "{schema}.gone" does not exist'


# ---------------------------------------------------------------- expected results from files

def _estate():
    catalog = Catalog("x", objects=[
        SourceObject("dbo", "vOrders", "view"), SourceObject("Sales", "OrderTotals", "table"),
        SourceObject("dbo", "Orders", "table"), SourceObject("dbo", "usp_Load", "procedure"),
        SourceObject("dbo", "vNotMigrated", "view"),
    ])
    plan = MigrationPlan("p", "p_raw", models=[
        PlannedModel("stg_dbo__orders", "staging", "view", "dbo.orders", ""),
        PlannedModel("vorders", "marts", "view", "dbo.vorders", ""),
        PlannedModel("ordertotals", "marts", "table", "dbo.usp_load", "", target="sales.ordertotals"),
    ])
    return catalog, plan


def test_expected_files_are_read_and_bad_ones_become_findings(tmp_path):
    catalog, plan = _estate()
    folder = tmp_path / "expected"
    folder.mkdir()
    (folder / "dbo.vOrders.csv").write_text("\ufeffOrderID,Amount\n1,12.50\n2,\n\n", encoding="utf-8")
    (folder / "sales.ordertotals.csv").write_text('CustomerID,Note\n1,"a, b"\n', encoding="utf-8")
    (folder / "dbo.vNope.csv").write_text("a\n1\n", encoding="utf-8")
    (folder / "noschema.csv").write_text("a\n1\n", encoding="utf-8")
    (folder / "dbo.Orders.csv").write_bytes(b"OrderID\n\xff\n")
    (folder / "dbo.usp_Load.csv").write_text("a,b\n1\n", encoding="utf-8")
    (folder / "dbo.vNotMigrated.csv").write_text("", encoding="utf-8")
    (folder / "notes.txt").write_text("ignored", encoding="utf-8")
    results, findings = read_expected_files(folder, catalog)
    assert results == [
        ExpectedResult("dbo.vorders", "dbo.vOrders", ["OrderID", "Amount"], [["1", "12.50"], ["2", None]],
                       "expected/dbo.vOrders.csv", True),
        ExpectedResult("sales.ordertotals", "Sales.OrderTotals", ["CustomerID", "Note"], [["1", "a, b"]],
                       "expected/sales.ordertotals.csv", True),
    ]
    assert [(f.severity, f.message, f.file, f.line) for f in findings] == [
        ("error", "cannot read the expected-result file, skipped: 'utf-8' codec can't decode byte 0xff in "
                  "position 8: invalid start byte", "expected/dbo.Orders.csv", None),
        ("error", "1 fields where the header has 2, file skipped", "expected/dbo.usp_Load.csv", 2),
        ("warning", "expected rows for dbo.vNope, which is not in the source, skipped", "expected/dbo.vNope.csv", None),
        ("warning", "empty expected-result file (no header row), skipped", "expected/dbo.vNotMigrated.csv", None),
        ("warning", "expected-result file name is not <schema>.<object>.csv, skipped", "expected/noschema.csv", None),
    ]


def test_expected_results_keep_only_objects_with_a_model(tmp_path):
    catalog, plan = _estate()
    folder = tmp_path / "expected"
    folder.mkdir()
    for name in ("dbo.vOrders", "dbo.Orders", "dbo.usp_Load", "dbo.vNotMigrated"):
        (folder / f"{name}.csv").write_text("a\n1\n", encoding="utf-8")
    (tmp_path / "01.sql").write_text("select 1", encoding="utf-8")
    for spec in (SourceSpec(str(tmp_path)), SourceSpec(str(tmp_path / "01.sql"))):
        assert expected_folder(spec) == folder
        results, findings = expected_results(spec, catalog, plan)
        assert [r.source for r in results] == ["dbo.vOrders"]
        assert [f.message for f in findings] == [
            "expected rows for dbo.Orders not compared: no procedure produces this table, so no migrated "
            "model computes its rows",
            "expected rows for dbo.usp_Load not compared: a procedure has no rows to compare; give expected "
            "rows for a view or a table it loads",
            "expected rows for dbo.vNotMigrated not compared: the view was not migrated to a model",
        ]
    assert expected_results(SourceSpec(str(tmp_path / "elsewhere" / "02.sql")), catalog, plan) == ([], [])


# ---------------------------------------------------------------- expected results from a live server

def _live_connection():
    return mssql_fake.FakeConnection({}, {
        "dbo.vorders": [{"OrderID": 1, "Amount": Decimal("12.5000"), "Paid": True,
                         "PlacedAt": dt.datetime(2024, 1, 2, 3, 4, 5, 120000)},
                        {"OrderID": 2, "Amount": None, "Paid": False, "PlacedAt": None}],
        "sales.ordertotals": [{"CustomerID": 1, "Total": Decimal("7.0000")}],
    })


def test_live_expected_rows_come_from_select_star_of_views_and_produced_tables():
    catalog, plan = _estate()
    connection = _live_connection()
    results, findings = read_expected_live(connection, catalog, plan, "SQL Server host/db")
    assert connection.executed == ["SELECT * FROM [dbo].[vOrders]", "SELECT * FROM [Sales].[OrderTotals]"]
    assert results == [
        ExpectedResult("dbo.vorders", "dbo.vOrders", ["OrderID", "Amount", "Paid", "PlacedAt"],
                       [["1", "12.5000", "t", "2024-01-02T03:04:05.120000"], ["2", None, "f", None]],
                       "SQL Server host/db"),
        ExpectedResult("sales.ordertotals", "Sales.OrderTotals", ["CustomerID", "Total"], [["1", "7.0000"]],
                       "SQL Server host/db"),
    ]
    assert findings == []
    # what pyodbc returned, as text, compares equal to what psycopg2 returns for the same values
    match = compare_rows(results[0], "vorders", "p.vorders", ["orderid", "amount", "paid", "placedat"],
                         ["number", "number", "boolean", "timestamp"],
                         [(2, None, False, None), (1, Decimal("12.5"), True, dt.datetime(2024, 1, 2, 3, 4, 5, 120000))])
    assert match.matched


def test_live_errors_and_big_results_become_findings():
    catalog, plan = _estate()
    connection = _live_connection()
    connection.failing["SELECT * FROM [dbo].[vOrders]"] = "Invalid column name 'Gone'."
    results, findings = read_expected_live(connection, catalog, plan, "SQL Server host/db", row_limit=0)
    assert results == []
    assert findings == [
        Finding("warning", "cannot read the expected rows of dbo.vOrders from SQL Server: Invalid column name 'Gone'.",
                object="dbo.vOrders"),
        Finding("info", "Sales.OrderTotals not compared: more than 0 rows", object="Sales.OrderTotals"),
    ]


def test_expected_results_of_a_live_source(monkeypatch):
    catalog, plan = _estate()
    from migrator_pipeline.catalog import live_source as live

    connection = _live_connection()
    monkeypatch.setattr(live, "connect", lambda source: connection)
    url = "mssql://reader@db.example:1433/Sales"
    results, findings = expected_results(SourceSpec(url), catalog, plan)
    assert ([r.source for r in results], {r.origin for r in results}, findings) == (
        ["dbo.vOrders", "Sales.OrderTotals"], {"SQL Server db.example,1433/Sales"}, [])
    assert connection.closed
    sampled = expected_results(SourceSpec(url, sample_rows=10), catalog, plan)
    assert sampled == ([], [Finding("info", "data not compared with SQL Server: the source tables were sampled "
                                            "(10 rows each)")])

    def refuse(source):
        raise expected_rows.SourceError("cannot connect to SQL Server db.example,1433, database Sales: timeout")

    monkeypatch.setattr(live, "connect", refuse)
    assert expected_results(SourceSpec(url), catalog, plan) == ([], [Finding(
        "warning", "data not compared with SQL Server: cannot connect to SQL Server db.example,1433, "
                   "database Sales: timeout")])


def test_validation_survives_a_round_trip_through_json(tmp_path):
    validation = DataValidation(
        [ExpectedResult("dbo.v", "dbo.v", ["A"], [["1"], [None]], "expected/dbo.v.csv", True)],
        [DataMatch("dbo.v", "v", "p.v", "expected/dbo.v.csv", False, ["A"], 2, 1, 1, 0, [{"A": None}], [])],
        [Finding("warning", "w", "expected/x.csv")])
    validation.save(tmp_path / "data_validation.json")
    assert DataValidation.load(tmp_path / "data_validation.json") == validation
