"""The live SQL Server reader, against a DB-API fake (`mssql_fake`); one opt-in test on a real server."""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
import types
import uuid
from decimal import Decimal
from pathlib import Path

import mssql_fake
import pytest
import sqlglot
from sqlglot import exp

from migrator_pipeline.catalog import live, live_source
from migrator_pipeline.catalog.live import CATALOG_QUERIES, copy_columns, copy_text, read_live_catalog, stream_table_rows
from migrator_pipeline.catalog.live_source import LiveSource, connect, is_live_source, parse_source_url
from migrator_pipeline.catalog.model import CheckConstraint, Column, Finding, ForeignKey, SourceError
from migrator_pipeline.catalog.scripts import read_catalog
from migrator_pipeline.tsql.lexer import tokenize

SECRET = "s3cr3t;Pa}ss"
URL = "mssql://etl%40corp@db.example:1433/Shop?driver=ODBC+Driver+17+for+SQL+Server&TrustServerCertificate=yes"
# read before the autouse fixture replaces it, for the opt-in real-server test
REAL_PASSWORD = os.environ.get("MIGRATOR_TEST_MSSQL_PASSWORD") or os.environ.get(live_source.PASSWORD_VARIABLE, "")
ODBC = "Driver={ODBC Driver 18 for SQL Server};Server=tcp:db.example,1433;Database=Shop;UID=etl;Encrypt=no;"


@pytest.fixture(autouse=True)
def password(monkeypatch):
    monkeypatch.setenv(live_source.PASSWORD_VARIABLE, SECRET)


@pytest.fixture
def catalog():
    return read_live_catalog(parse_source_url(URL), connection=mssql_fake.connect())


# ---------------------------------------------------------------- sources


@pytest.mark.parametrize(
    ("source", "server", "database", "user", "driver", "options"),
    [
        (URL, "db.example,1433", "Shop", "etl@corp", "ODBC Driver 17 for SQL Server", (("TrustServerCertificate", "yes"),)),
        ("mssql://sa@localhost/My%20Db", "localhost", "My Db", "sa", live_source.DEFAULT_DRIVER, ()),
        ("mssql+pyodbc://sa@[::1]:14330/db", "::1,14330", "db", "sa", live_source.DEFAULT_DRIVER, ()),
        ("sqlserver://host/db", "host", "db", None, live_source.DEFAULT_DRIVER, ()),
        (ODBC, "tcp:db.example,1433", "Shop", "etl", "ODBC Driver 18 for SQL Server", (("Encrypt", "no"),)),
        ("server=h;initial catalog=d;Trusted_Connection=yes", "h", "d", None, live_source.DEFAULT_DRIVER, (("Trusted_Connection", "yes"),)),
    ],
)
def test_parse_source(source, server, database, user, driver, options):
    parsed = parse_source_url(source)
    assert (parsed.server, parsed.database, parsed.user, parsed.driver, parsed.options) == (server, database, user, driver, options)
    assert parsed.password == SECRET
    assert is_live_source(source)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        (URL, URL),
        (ODBC, "Driver={ODBC Driver 18 for SQL Server};Server=tcp:db.example,1433;Database=Shop;UID=etl;Encrypt=no"),
        (f"Server=h;Database=d;UID=u;PWD={{{SECRET.replace('}', '}}')}}};", "Server=h;Database=d;UID=u"),
        (f"Server=h;Database=d;Password={{{SECRET.replace('}', '}}')}}}", "Server=h;Database=d"),
    ],
)
def test_display_and_repr_hide_the_password(source, expected):
    parsed = parse_source_url(source)
    assert parsed.password == SECRET
    assert parsed.display == expected
    assert SECRET not in repr(parsed) and "password='***'" in repr(parsed)
    assert SECRET not in str(parsed) and SECRET not in parsed.display


def test_password_in_an_odbc_string_wins_with_a_warning():
    parsed = parse_source_url("Server=h;Database=d;UID=u;PWD=Xq7-pw;")
    assert parsed.password == "Xq7-pw"
    assert parsed.warnings == (f"the password is in the connection string; it is better in the environment variable {live_source.PASSWORD_VARIABLE}",)
    catalog = read_live_catalog(parsed, connection=mssql_fake.connect())
    assert catalog.findings[0] == Finding("warning", parsed.warnings[0])
    assert "Xq7-pw" not in json.dumps(catalog.to_dict())


def test_connection_string_braces_values_and_asks_for_read_only():
    parsed = parse_source_url(URL)
    assert parsed.connection_string() == (
        "DRIVER={ODBC Driver 17 for SQL Server};SERVER=db.example,1433;DATABASE=Shop;UID=etl@corp;"
        "PWD={s3cr3t;Pa}}ss};TrustServerCertificate=yes;ApplicationIntent=ReadOnly;"
    )


def test_no_password_in_the_environment(monkeypatch):
    monkeypatch.delenv(live_source.PASSWORD_VARIABLE)
    parsed = parse_source_url("mssql://sa@h/d")
    assert parsed.password is None
    assert "PWD" not in parsed.connection_string()


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("mssql://sa:hunter2@h/d", f"put the password in the environment variable {live_source.PASSWORD_VARIABLE}, not in the URL: mssql://sa@h/d"),
        ("mssql://sa@h/d?PWD=hunter2", f"put the password in the environment variable {live_source.PASSWORD_VARIABLE}, not in the URL"),
        ("mssql://sa@h", "a SQL Server URL needs a host and a database: mssql://user@host[:port]/database, got mssql://sa@h"),
        ("mssql://sa@h:port/d", "bad SQL Server URL mssql://sa@h:port/d: "),
        ("Server=h;UID=u;PWD=hunter2", "an ODBC connection string needs Server= and Database=: Server=h;UID=u"),
    ],
)
def test_unusable_source(source, message):
    with pytest.raises(SourceError) as raised:
        parse_source_url(source)
    assert str(raised.value).startswith(message)
    assert "hunter2" not in str(raised.value)


@pytest.mark.parametrize(
    ("source", "live_source"),
    [
        ("mssql://h/d", True),
        ("MSSQL://h/d", True),
        ("Driver={x};Server=h;Database=d", True),
        ("DSN=prod;Database=d", True),
        ("examples/shop", False),
        ("/tmp/a=b;c", False),
        ("postgresql://h/d", False),
        ("estate.dacpac", False),
    ],
)
def test_is_live_source(source, live_source):
    assert is_live_source(source) is live_source


# ---------------------------------------------------------------- connecting


def test_missing_pyodbc_is_one_line_on_how_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "pyodbc", None)  # makes `import pyodbc` raise ImportError
    with pytest.raises(SourceError) as raised:
        connect(parse_source_url(URL))
    message = str(raised.value)
    assert "\n" not in message
    assert message.startswith("cannot use a live SQL Server source: pyodbc does not load (")
    assert "apt-get install unixodbc" in message and "msodbcsql18" in message
    assert "ODBC Driver 18 for SQL Server" in message


def _fake_pyodbc(monkeypatch, error_message: str | None) -> list:
    calls = []
    module = types.ModuleType("pyodbc")

    class Error(Exception):
        pass

    def fake_connect(connection_string, **options):
        calls.append((connection_string, options))
        if error_message is not None:
            raise Error("08001", error_message)
        connection = mssql_fake.connect()
        connection.add_output_converter = lambda code, function: calls.append((code, function))
        return connection

    module.Error, module.connect = Error, fake_connect
    monkeypatch.setitem(sys.modules, "pyodbc", module)
    return calls


def test_connect_failure_names_server_and_database_never_the_password(monkeypatch):
    _fake_pyodbc(monkeypatch, f"[08001] [Microsoft][ODBC Driver 18 for SQL Server]Login failed for PWD={SECRET} (18456)\nmore")
    with pytest.raises(SourceError) as raised:
        connect(parse_source_url(URL))
    assert str(raised.value) == (
        "cannot connect to SQL Server db.example,1433, database Shop: "
        "[08001] [Microsoft][ODBC Driver 18 for SQL Server]Login failed for PWD=*** (18456)"
    )


def test_connect_without_the_driver_says_how_to_install_it(monkeypatch):
    _fake_pyodbc(monkeypatch, "[01000] [unixODBC][Driver Manager]Can't open lib 'ODBC Driver 17 for SQL Server' : file not found (0)")
    with pytest.raises(SourceError, match="the ODBC driver 'ODBC Driver 17 for SQL Server' is not installed: install the unixODBC"):
        connect(parse_source_url(URL))


def test_connect_is_autocommit_with_a_datetimeoffset_converter(monkeypatch):
    calls = _fake_pyodbc(monkeypatch, None)
    connect(parse_source_url(URL))
    assert calls[0] == (parse_source_url(URL).connection_string(), {"autocommit": True, "timeout": 15})
    assert calls[1][0] == -155
    # SQL_SS_TIMESTAMPOFFSET_STRUCT of 2024-03-01 12:30:05.1234567 +05:30
    raw = (2024).to_bytes(2, "little") + (3).to_bytes(2, "little") + (1).to_bytes(2, "little") + (12).to_bytes(2, "little") \
        + (30).to_bytes(2, "little") + (5).to_bytes(2, "little") + (123456700).to_bytes(4, "little") \
        + (5).to_bytes(2, "little") + (30).to_bytes(2, "little")
    value = calls[1][1](raw)
    assert copy_text(value) == "2024-03-01T12:30:05.123456+05:30"


# ---------------------------------------------------------------- the catalog


def test_objects_kinds_and_collation(catalog):
    assert catalog.source == URL
    assert catalog.collation == "Latin1_General_100_CI_AS_SC_UTF8"
    assert [(o.kind, o.source) for o in catalog.objects] == [
        ("table", "dbo.Customers"),
        ("function", "dbo.fn_Double"),
        ("procedure", "dbo.LoadTotals"),
        ("table", "dbo.Orders"),
        ("trigger", "dbo.trg_Orders_Audit"),
        ("view", "dbo.vCustomerOrders"),
        ("table", "Sales.OrderTotals"),
        ("schema", "Sales.Sales"),
        ("type", "dbo.Phone"),
        ("sequence", "dbo.OrderNumbers"),
        ("synonym", "dbo.Clients"),
        ("synonym", "Sales.Archive"),
        ("index", "dbo.Orders.IX_Orders_CustomerID"),
    ]
    assert catalog.findings == [
        Finding("warning", "dbo.ClrExport is a CLR_STORED_PROCEDURE, which is not read", object="dbo.ClrExport"),
        Finding("info", "dbo.Orders: CHECK CK_Orders_Paid ([Paid]=(1) OR [Amount] IS NULL) is disabled: not tested",
                object="dbo.Orders"),
        Finding("info", "dbo.Orders: CHECK CK_Orders_Amount ([Amount]>=(0)) is not trusted (added WITH NOCHECK): "
                "not tested", object="dbo.Orders"),
        Finding("warning", "Sales.Archive references ArchiveDb.dbo.Orders in another database", object="Sales.Archive"),
        Finding("warning", "dbo.LoadTotals references dbo.logit, which is not in the catalog", object="dbo.LoadTotals"),
    ]


def test_tables(catalog):
    customers = catalog.get("dbo.customers")
    assert customers.description == "People who buy"
    assert customers.columns == [
        Column("CustomerID", "int", nullable=False, identity=True),
        Column("Name", "nvarchar(50)", nullable=False, description="Full name"),
        Column("Email", "varchar(max)"),
        Column("Credit", "decimal(10,2)", nullable=False, default="0"),
        Column("Created", "datetime2(3)", default="getdate()"),
        Column("Phone", "nvarchar(20)"),  # an alias type: its base type
        Column("Label", "nvarchar(51)", computed="[Name]+N'!'"),
    ]
    assert customers.primary_key == ["CustomerID"]
    assert customers.unique_keys == [["Name"], ["Phone", "Created"]]
    orders = catalog.get("dbo.orders")
    assert [(c.name, c.data_type, c.nullable, c.default) for c in orders.columns] == [
        ("OrderID", "int", False, None),
        ("CustomerID", "int", False, None),
        ("Amount", "money", True, None),
        ("Paid", "bit", False, "0"),
        ("Receipt", "varbinary(16)", True, None),
        ("Token", "uniqueidentifier", True, None),
        ("PlacedAt", "datetime2", True, None),
    ]
    assert orders.primary_key == ["OrderID"]
    # a system-named key was not named in the source: None, as the script reader has it
    assert orders.foreign_keys == [ForeignKey(["CustomerID"], "dbo", "Customers", ["CustomerID"])]
    totals = catalog.get("sales.ordertotals")
    assert totals.foreign_keys == [ForeignKey(["CustomerID"], "dbo", "Customers", ["CustomerID"], "FK_OrderTotals_Customers")]
    assert totals.body == (
        "CREATE TABLE [Sales].[OrderTotals] (\n"
        "    [CustomerID] int NOT NULL,\n"
        "    [Total] decimal(19,4) NULL,\n"
        "    PRIMARY KEY ([CustomerID]),\n"
        "    CONSTRAINT [FK_OrderTotals_Customers] FOREIGN KEY ([CustomerID]) REFERENCES [dbo].[Customers] ([CustomerID])\n"
        ")"
    )


def test_modules(catalog):
    view = catalog.get("dbo.vcustomerorders")
    assert view.body == mssql_fake.VIEW_TEXT.replace("\r\n", "\n").strip()
    assert (view.reads, view.writes, view.calls) == (["dbo.customers", "dbo.orders"], [], ["dbo.fn_double"])
    procedure = catalog.get("dbo.loadtotals")
    assert procedure.body.startswith("CREATE PROCEDURE [dbo].[LoadTotals] @since date\nAS\nBEGIN\n")
    assert procedure.parameters == [["@since", "date"]]
    assert procedure.description == "Rebuilds the totals"
    # dbo.customers is read in an IF condition: sys.sql_expression_dependencies supplies it
    assert (procedure.reads, procedure.writes, procedure.calls) == (["dbo.orders", "dbo.customers"], ["sales.ordertotals"], ["dbo.logit"])
    function = catalog.get("dbo.fn_double")
    assert (function.function_kind, function.parameters, function.reads) == ("scalar", [["@x", "money"]], [])
    trigger = catalog.get("dbo.trg_orders_audit")
    assert (trigger.schema, trigger.reads, trigger.writes) == ("dbo", [], ["dbo.customers"])


def test_recorded_kinds(catalog):
    assert [(o.key, o.reads) for o in catalog.of_kind("synonym")] == [("dbo.clients", ["dbo.customers"]), ("sales.archive", [])]
    bodies = {o.key: o.body for o in catalog.objects if o.kind in ("schema", "type", "sequence", "synonym", "index")}
    assert bodies == {
        "sales.sales": "CREATE SCHEMA [Sales]",
        "dbo.phone": "CREATE TYPE [dbo].[Phone] FROM nvarchar(20) NOT NULL",
        "dbo.ordernumbers": "CREATE SEQUENCE [dbo].[OrderNumbers] AS bigint START WITH 1000 INCREMENT BY 1",
        "dbo.clients": "CREATE SYNONYM [dbo].[Clients] FOR [dbo].[Customers]",
        "sales.archive": "CREATE SYNONYM [Sales].[Archive] FOR [ArchiveDb].[dbo].[Orders]",
        "dbo.orders.ix_orders_customerid": (
            "CREATE NONCLUSTERED INDEX [IX_Orders_CustomerID] ON [dbo].[Orders] ([CustomerID] ASC) INCLUDE ([Amount])"
        ),
    }


def test_same_objects_as_the_script_reader(catalog, tmp_path: Path):
    """The estate's bodies as a script folder give the script reader the same catalog."""
    migrated = catalog.objects
    (tmp_path / "estate.sql").write_text("\nGO\n".join(o.body for o in migrated) + "\nGO\n", encoding="utf-8")
    scripted = read_catalog(tmp_path)
    # the server's own: a CLR procedure, and CHECKs it does not enforce (left out of the table's text)
    server_only = [f for f in catalog.findings if "CLR" in f.message or "CHECK" in f.message]
    assert [(f.severity, f.message) for f in scripted.findings] == [
        (f.severity, f.message) for f in catalog.findings if f not in server_only]
    assert sorted(o.key for o in scripted.objects) == sorted(o.key for o in migrated)
    for obj in migrated:
        other = scripted.get(obj.key)
        assert (other.kind, other.body, other.function_kind, other.parameters) == (obj.kind, obj.body, obj.function_kind, obj.parameters)
        assert (other.primary_key, other.unique_keys, other.foreign_keys) == (obj.primary_key, obj.unique_keys, obj.foreign_keys)
        assert other.checks == obj.checks
        assert (other.writes, other.calls) == (obj.writes, obj.calls)
        # a script cannot say the type of a computed column, nor hold MS_Description
        expected = [Column(c.name, "" if c.computed else c.data_type, c.nullable, c.identity, c.default, c.computed) for c in obj.columns]
        assert other.columns == expected
    # the one difference: the read in the procedure's IF condition, known only to the server
    assert [(o.key, o.reads) for o in migrated if scripted.get(o.key).reads != o.reads] == [("dbo.loadtotals", ["dbo.orders", "dbo.customers"])]
    assert scripted.get("dbo.loadtotals").reads == ["dbo.orders"]


def test_catalog_round_trips_through_json(catalog):
    assert type(catalog).from_dict(json.loads(json.dumps(catalog.to_dict()))) == catalog
    assert SECRET not in json.dumps(catalog.to_dict())


def test_a_failing_query_is_a_finding_and_the_rest_goes_on():
    connection = mssql_fake.connect()
    connection.failing[live.DESCRIPTIONS_QUERY] = "The SELECT permission was denied on the object 'extended_properties'.\nmore"
    catalog = read_live_catalog(parse_source_url(URL), connection=connection)
    assert Finding("error", "cannot read sys.extended_properties: The SELECT permission was denied on the object 'extended_properties'.") in catalog.findings
    assert catalog.get("dbo.customers").description is None
    assert catalog.get("dbo.customers").primary_key == ["CustomerID"]


def test_unreadable_sys_objects_is_an_unusable_source():
    connection = mssql_fake.connect()
    connection.failing[live.OBJECTS_QUERY] = "Invalid object name 'sys.objects'."
    with pytest.raises(SourceError, match=r"^cannot read sys.objects of mssql://etl%40corp@db.example:1433/Shop\?.*: Invalid object name 'sys.objects'.$"):
        read_live_catalog(parse_source_url(URL), connection=connection)


def test_encrypted_module_is_a_finding():
    connection = mssql_fake.connect()
    modules = connection.catalog_rows[live.MODULES_QUERY]
    modules[1] = {"object_id": mssql_fake.PROCEDURE, "definition": None}
    catalog = read_live_catalog(parse_source_url(URL), connection=connection)
    assert Finding("warning", "dbo.LoadTotals is encrypted: its body cannot be read", object="dbo.LoadTotals") in catalog.findings
    assert catalog.get("dbo.loadtotals").body == ""


def test_a_given_connection_is_left_open_an_own_one_closed(monkeypatch):
    given = mssql_fake.connect()
    read_live_catalog(parse_source_url(URL), connection=given)
    assert not given.closed
    opened = []
    monkeypatch.setattr(live, "connect", lambda source: opened.append(mssql_fake.connect()) or opened[-1])
    read_live_catalog(parse_source_url(URL))
    assert opened[0].closed


# ---------------------------------------------------------------- read-only


_WRITE_KEYWORDS = {"INSERT", "UPDATE", "DELETE", "MERGE", "EXEC", "EXECUTE", "CREATE", "ALTER", "DROP", "TRUNCATE", "GRANT", "SET", "INTO"}


def _assert_select_only(sql: str) -> None:
    words = [t.upper for t in tokenize(sql) if t.kind == "word"]
    assert words[0] in ("SELECT", "WITH"), sql
    assert not _WRITE_KEYWORDS & set(words), sql
    assert isinstance(sqlglot.parse_one(sql, read="tsql"), exp.Select), sql


def test_every_statement_executed_is_a_select(catalog):
    connection = mssql_fake.connect()
    read_live_catalog(parse_source_url(URL), connection=connection)
    list(stream_table_rows(connection, catalog.get("dbo.orders"), sample_rows=2))
    assert connection.executed[: len(CATALOG_QUERIES)] == list(CATALOG_QUERIES)
    assert len(connection.executed) == len(CATALOG_QUERIES) + 1
    for sql in connection.executed:
        _assert_select_only(sql)


def test_every_query_constant_is_a_select():
    constants = [value for name, value in vars(live).items() if name.endswith("_QUERY")]
    assert sorted(constants) == sorted(CATALOG_QUERIES)
    for sql in constants:
        _assert_select_only(sql)


def test_the_check_catches_a_write():
    with pytest.raises(AssertionError):
        _assert_select_only("SELECT 1; DELETE FROM dbo.Orders")


# ---------------------------------------------------------------- table data

ORDER_ROWS = [
    ["1", "1", "12.5000", "t", "\\x0aff", "6f9619ff-8b86-d011-b42d-00c04fc964ff", "2024-01-02T03:04:05.120000"],
    ["2", "1", None, "f", None, "0E984725-C51C-4BF4-9960-E1C80E27ABA0", None],
    ["3", "2", "100", "f", "\\x", None, "2024-02-29T00:00:00"],
    ["4", "2", "-0.0100", "t", None, None, None],
    ["5", "3", "7.0000", "t", None, None, None],
]


@pytest.mark.parametrize(
    ("batch_rows", "sample_rows", "batches"),
    [
        (2, None, [ORDER_ROWS[0:2], ORDER_ROWS[2:4], ORDER_ROWS[4:5]]),
        (10_000, None, [ORDER_ROWS]),
        (2, 3, [ORDER_ROWS[0:2], ORDER_ROWS[2:3]]),
        (5, 0, []),
    ],
)
def test_stream_table_rows(catalog, batch_rows, sample_rows, batches):
    connection = mssql_fake.connect()
    orders = catalog.get("dbo.orders")
    assert list(stream_table_rows(connection, orders, batch_rows=batch_rows, sample_rows=sample_rows)) == batches
    top = f"TOP {sample_rows} " if sample_rows is not None else ""
    assert connection.executed == [f"SELECT {top}[OrderID], [CustomerID], [Amount], [Paid], [Receipt], [Token], [PlacedAt] FROM [dbo].[Orders]"]
    assert set(connection.fetch_sizes) == {batch_rows}


def test_stream_leaves_out_computed_columns(catalog):
    customers = catalog.get("dbo.customers")
    assert copy_columns(customers) == ["CustomerID", "Name", "Email", "Credit", "Created", "Phone"]
    connection = mssql_fake.connect()
    connection.tables["dbo.customers"] = [
        {"CustomerID": 1, "Name": "O'Brien", "Email": None, "Credit": Decimal("10.50"), "Created": None, "Phone": "+1 555", "Label": "x"},
    ]
    assert list(stream_table_rows(connection, customers)) == [[["1", "O'Brien", None, "10.50", None, "+1 555"]]]
    assert list(stream_table_rows(connection, catalog.get("sales.ordertotals"))) == []


def test_stream_reads_text_forms_of_types_pyodbc_cannot_fetch():
    from migrator_pipeline.catalog.model import SourceObject

    table = SourceObject("dbo", "Odd]Name", "table", columns=[Column("v", "sql_variant"), Column("g", "geography"), Column("h", "hierarchyid")])
    assert live.table_select(table) == "SELECT CAST([v] AS NVARCHAR(4000)) AS [v], [g].STAsText() AS [g], [h].ToString() AS [h] FROM [dbo].[Odd]]Name]"


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, None),
        ("", ""),
        ("a\tb", "a\tb"),
        (True, "t"),
        (False, "f"),
        (0, "0"),
        (-12, "-12"),
        (1.5, "1.5"),
        (float("nan"), "NaN"),
        (float("-inf"), "-Infinity"),
        (Decimal("1E+3"), "1000"),
        (Decimal("0.000"), "0.000"),
        (b"\x00\xff", "\\x00ff"),
        (bytearray(b"\x10"), "\\x10"),
        (dt.date(2024, 2, 29), "2024-02-29"),
        (dt.time(23, 59, 59, 500), "23:59:59.000500"),
        (dt.datetime(2024, 1, 2, 3, 4, 5), "2024-01-02T03:04:05"),
        (uuid.UUID(int=1), "00000000-0000-0000-0000-000000000001"),
    ],
)
def test_copy_text(value, text):
    assert copy_text(value) == text


def test_batch_rows_must_be_positive(catalog):
    with pytest.raises(ValueError, match="batch_rows must be at least 1, got 0"):
        list(stream_table_rows(mssql_fake.connect(), catalog.get("dbo.orders"), batch_rows=0))


# ---------------------------------------------------------------- a real server (opt-in)


@pytest.mark.skipif(not os.environ.get("MIGRATOR_TEST_MSSQL_URL"), reason="set MIGRATOR_TEST_MSSQL_URL (and MIGRATOR_MSSQL_PASSWORD) to read a real SQL Server")
def test_real_server(monkeypatch):
    monkeypatch.setenv(live_source.PASSWORD_VARIABLE, REAL_PASSWORD)
    source: LiveSource = parse_source_url(os.environ["MIGRATOR_TEST_MSSQL_URL"])
    connection = connect(source)
    try:
        catalog = read_live_catalog(source, connection=connection)
        assert catalog.collation
        tables = catalog.of_kind("table")
        assert tables, "the test database has no tables"
        assert all(c.data_type for t in tables for c in t.columns)
        batch = next(stream_table_rows(connection, tables[0], batch_rows=5, sample_rows=5), [])
        assert all(len(row) == len(copy_columns(tables[0])) for row in batch)
        assert all(value is None or isinstance(value, str) for row in batch for value in row)
    finally:
        connection.close()


def test_check_constraints_are_read_and_the_disabled_or_untrusted_are_findings(catalog) -> None:
    # the server spells the definition `([OrderID]>(0))`: parentheses stripped as for defaults;
    # a system-made name is not kept (as for foreign keys); the column it was declared on is
    assert catalog.get("dbo.orders").checks == [CheckConstraint("[OrderID]>(0)", None, "OrderID")]
