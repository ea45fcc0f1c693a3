"""One estate, four sources, one catalog.

The estate of `dacpac_fixture` (two schemas; tables with a primary key, a unique key, a
foreign key, an identity, defaults, a computed column and MS_Description; a view; two
procedures; a scalar function; a trigger; an index; post-deployment rows) is written four
ways, and each reader's catalog is compared with the same expected catalog:

- `script`: `EQUIVALENT_SCRIPT` as one `.sql` file (`read_catalog(file)`);
- `ssdt`: the same batches split into an SSDT project folder with a `.sqlproj`, written the
  way Visual Studio writes it (UTF-8 with BOM, CRLF), the rows in `Script.PostDeployment.sql`;
- `dacpac`: `build_dacpac` (`read_dacpac`);
- `live`: `mssql_fake.connect_dacpac_estate()`, the same estate as SQL Server's catalog views
  return it after deployment (`read_live_catalog`, rows through `stream_table_rows`).

What is compared (`comparable`), per object key: kind, schema and name, description,
function kind, parameters, reads/writes/calls; for tables the columns (name, type, nullable,
identity, default, whether computed and the computed expression re-spelled by sqlglot,
description), primary key, unique keys and foreign keys; for modules the body with its
whitespace collapsed. Data: the rows per table, in the script's columns, numbers compared by
value. Findings: (severity, message).

What legitimately differs by source, and is asserted exactly in `test_what_differs_by_source`
so that a change there is noticed too:
- `file`/`line`: where the text was read: the script file, the SSDT file, `model.xml` without
  lines, nothing for a server;
- the body of a table and of an index: a dacpac and a server keep no CREATE TABLE text, their
  readers rebuild it (the live one without constraint names or seeds, and a CHECK as the server spells it);
- the type of a computed column: only the server knows it (`nvarchar(51)`); scripts and the
  dacpac model leave it empty;
- the spelling of a computed expression: the server stores it re-spelled (`[Name]+N'!'`);
- the collation: a plain script folder does not say it (the default); an SSDT project, a dacpac and a server do;
- rows: a script's rows are stored as SQL Server stores them (`catalog.values`): numbers at the
  column's scale (`0.00`, `5.2500`), the defaults filled in; what still differs is the instant a
  `getdate()` default took (the deployment's, or the read's) and the rows the trigger wrote
  (`dbo.AuditLog`): a script holds only what its INSERTs give.
"""

from __future__ import annotations

import codecs
import re
from decimal import Decimal, InvalidOperation
from pathlib import Path

import mssql_fake
import pytest
import sqlglot
from dacpac_fixture import COLLATION, EQUIVALENT_SCRIPT, POSTDEPLOY, build_dacpac

from migrator_pipeline.catalog.dacpac import read_dacpac
from migrator_pipeline.catalog.live import copy_columns, read_live_catalog, stream_table_rows
from migrator_pipeline.catalog.live_source import LiveSource
from migrator_pipeline.catalog.model import DEFAULT_COLLATION, Catalog, CheckConstraint, SourceObject
from migrator_pipeline.catalog.scripts import read_catalog
from migrator_pipeline.catalog.stored_rows import READ_TIME

SOURCES = ("script", "ssdt", "dacpac", "live")
MODULE_KINDS = ("view", "procedure", "function", "trigger")
NUMERIC_TYPES = ("int", "bigint", "smallint", "tinyint", "decimal", "numeric", "money", "smallmoney", "float", "real")

# where SSDT puts each batch of the estate, by the batch's first line
SSDT_LAYOUT = {
    "CREATE SCHEMA [sales]": "Security/sales.sql",
    "CREATE TABLE [dbo].[Customers] (": "dbo/Tables/Customers.sql",
    "CREATE TABLE [sales].[Orders] (": "sales/Tables/Orders.sql",
    "CREATE TABLE [dbo].[AuditLog] (": "dbo/Tables/AuditLog.sql",
    "CREATE NONCLUSTERED INDEX [IX_Orders_Customer] ON [sales].[Orders] ([CustomerID])": "sales/Tables/Orders.sql",
    "CREATE VIEW [dbo].[vCustomerOrders]": "dbo/Views/vCustomerOrders.sql",
    "CREATE PROCEDURE [dbo].[usp_AddOrder] @CustomerID int, @Amount money = 0": "dbo/Stored Procedures/usp_AddOrder.sql",
    "CREATE PROCEDURE [dbo].[usp_Log] @CustomerID int": "dbo/Stored Procedures/usp_Log.sql",
    "CREATE FUNCTION dbo.fn_Double (@x money)": "dbo/Functions/fn_Double.sql",
    "CREATE TRIGGER [sales].[trg_Orders_Insert] ON [sales].[Orders] AFTER INSERT": "sales/Tables/Triggers/trg_Orders_Insert.sql",
    # SSDT keeps a table's extended properties in the table's file
    "EXEC sys.sp_addextendedproperty @name = N'MS_Description', @value = N'People who buy',": "dbo/Tables/Customers.sql",
    "EXEC sys.sp_addextendedproperty @name = N'MS_Description', @value = N'Full name, as printed',": "dbo/Tables/Customers.sql",
}

SQLPROJ = """\
<?xml version="1.0" encoding="utf-8"?>
<Project DefaultTargets="Build" xmlns="http://schemas.microsoft.com/developer/msbuild/2003" ToolsVersion="4.0">
  <PropertyGroup>
    <Name>Estate</Name>
    <DSP>Microsoft.Data.Tools.Schema.Sql.Sql160DatabaseSchemaProvider</DSP>
    <DefaultCollation>{collation}</DefaultCollation>
  </PropertyGroup>
  <ItemGroup>
{builds}
  </ItemGroup>
  <ItemGroup>
    <PostDeploy Include="Script.PostDeployment.sql" />
  </ItemGroup>
</Project>
"""


# ---------------------------------------------------------------- the four sources


def write_ssdt_project(root: Path) -> Path:
    """The estate as an SSDT project folder: one file per object, the rows in the post-deployment script."""
    assert EQUIVALENT_SCRIPT.endswith("GO\n" + POSTDEPLOY)  # the fixture's shape this split relies on
    batches = EQUIVALENT_SCRIPT.removesuffix(POSTDEPLOY).split("\nGO\n")
    files: dict[str, list[str]] = {}
    for batch in (b.strip() for b in batches):
        if batch and batch != "GO":
            files.setdefault(SSDT_LAYOUT[batch.splitlines()[0]], []).append(batch)
    files["Script.PostDeployment.sql"] = [POSTDEPLOY]
    for relative, texts in files.items():
        _write_like_visual_studio(root / relative, "\nGO\n".join(texts) + "\nGO\n")
    builds = "\n".join(f'    <Build Include="{p.replace("/", chr(92))}" />' for p in files if p != "Script.PostDeployment.sql")
    (root / "Estate.sqlproj").write_text(SQLPROJ.format(collation=COLLATION, builds=builds), encoding="utf-8")
    return root


def _write_like_visual_studio(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(codecs.BOM_UTF8 + text.replace("\n", "\r\n").encode("utf-8"))


def live_source() -> LiveSource:
    return LiveSource("db.example", "Estate", display="mssql://db.example/Estate")


def read_source(name: str, tmp_path: Path) -> Catalog:
    if name == "script":
        script = tmp_path / "estate.sql"
        script.write_text(EQUIVALENT_SCRIPT, encoding="utf-8")
        return read_catalog(script)
    if name == "ssdt":
        return read_catalog(write_ssdt_project(tmp_path / "Estate"))
    if name == "dacpac":
        return read_dacpac(build_dacpac(tmp_path))
    return read_live_catalog(live_source(), connection=mssql_fake.connect_dacpac_estate())


def read_all(tmp_path: Path) -> dict[str, Catalog]:
    """The four catalogs side by side, each source written in its own folder."""
    catalogs = {}
    for name in SOURCES:
        (tmp_path / name).mkdir()
        catalogs[name] = read_source(name, tmp_path / name)
    return catalogs


@pytest.fixture(params=SOURCES)
def source(request) -> str:
    return request.param


@pytest.fixture
def catalog(source: str, tmp_path: Path) -> Catalog:
    return read_source(source, tmp_path)


# ---------------------------------------------------------------- the comparable view


def collapsed(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def expression(text: str | None) -> str | None:
    """A T-SQL expression as sqlglot spells it, so that `[Name] + N'!'` and `[Name]+N'!'` compare equal."""
    return None if text is None else sqlglot.parse_one(text, read="tsql").sql(dialect="tsql")


def comparable(obj: SourceObject) -> dict:
    """The fields of an object that every source must agree on (see the module docstring)."""
    view = {
        "kind": obj.kind,
        "schema": obj.schema,
        "name": obj.name,
        "description": obj.description,
        "function_kind": obj.function_kind,
        "parameters": obj.parameters,
        "reads": obj.reads,
        "writes": obj.writes,
        "calls": obj.calls,
    }
    if obj.kind in MODULE_KINDS:
        view["body"] = collapsed(obj.body)
    if obj.kind == "table":
        view["columns"] = [
            # a computed column's type is known to the server only: left out here, asserted below
            (c.name, None if c.computed is not None else c.data_type, c.nullable, c.identity,
             expression(c.default), expression(c.computed), c.description)
            for c in obj.columns
        ]
        view["primary_key"] = obj.primary_key
        view["unique_keys"] = obj.unique_keys
        view["foreign_keys"] = [(f.name, f.columns, f.ref_schema, f.ref_table, f.ref_columns) for f in obj.foreign_keys]
    return view


def comparable_catalog(catalog: Catalog) -> dict[str, dict]:
    return {obj.key: comparable(obj) for obj in sorted(catalog.objects, key=lambda o: o.key)}


NO_DEPENDENCIES = {"function_kind": None, "parameters": [], "reads": [], "writes": [], "calls": []}


def _table(schema: str, name: str, columns: list[tuple], primary_key: list[str], unique_keys=(), foreign_keys=(), description=None) -> dict:
    return {
        "kind": "table", "schema": schema, "name": name, "description": description, **NO_DEPENDENCIES,
        "columns": columns, "primary_key": primary_key, "unique_keys": list(unique_keys), "foreign_keys": list(foreign_keys),
    }


def _module(kind: str, schema: str, name: str, body: str, *, reads=(), writes=(), calls=(), parameters=(), function_kind=None) -> dict:
    return {
        "kind": kind, "schema": schema, "name": name, "description": None, "function_kind": function_kind,
        "parameters": [list(p) for p in parameters], "reads": list(reads), "writes": list(writes), "calls": list(calls),
        "body": body,
    }


EXPECTED_OBJECTS = {
    "dbo.auditlog": _table("dbo", "AuditLog", [("Message", "nvarchar(200)", False, False, None, None, None)], []),
    "dbo.customers": _table(
        "dbo", "Customers",
        [
            ("CustomerID", "int", False, True, None, None, None),
            ("Name", "nvarchar(50)", False, False, None, None, "Full name, as printed"),
            ("Email", "varchar(max)", True, False, None, None, None),
            ("Credit", "decimal(10,2)", False, False, "0", None, None),
            ("Created", "datetime2(3)", True, False, "GETDATE()", None, None),
            ("Label", None, True, False, None, "[Name] + N'!'", None),
        ],
        ["CustomerID"], unique_keys=[["Name"]], description="People who buy",
    ),
    "dbo.fn_double": _module(
        "function", "dbo", "fn_Double", "CREATE FUNCTION dbo.fn_Double (@x money) RETURNS money AS BEGIN RETURN @x * 2 END",
        parameters=[("@x", "money")], function_kind="scalar",
    ),
    "dbo.usp_addorder": _module(
        "procedure", "dbo", "usp_AddOrder",
        "CREATE PROCEDURE [dbo].[usp_AddOrder] @CustomerID int, @Amount money = 0 AS BEGIN SET NOCOUNT ON;"
        " INSERT INTO sales.Orders (OrderID, CustomerID, Amount) SELECT ISNULL(MAX(OrderID), 0) + 1, @CustomerID, @Amount"
        " FROM sales.Orders; UPDATE dbo.Customers SET Credit = Credit - @Amount WHERE CustomerID = @CustomerID;"
        " EXEC dbo.usp_Log @CustomerID; END",
        reads=["sales.orders"], writes=["sales.orders", "dbo.customers"], calls=["dbo.usp_log"],
        parameters=[("@CustomerID", "int"), ("@Amount", "money")],
    ),
    "dbo.usp_log": _module(
        "procedure", "dbo", "usp_Log",
        "CREATE PROCEDURE [dbo].[usp_Log] @CustomerID int AS INSERT INTO dbo.AuditLog (Message) VALUES (CAST(@CustomerID AS nvarchar(20)))",
        writes=["dbo.auditlog"], parameters=[("@CustomerID", "int")],
    ),
    "dbo.vcustomerorders": _module(
        "view", "dbo", "vCustomerOrders",
        "CREATE VIEW [dbo].[vCustomerOrders] AS SELECT c.Name, o.Amount, dbo.fn_Double(o.Amount) AS Twice"
        " FROM dbo.Customers AS c JOIN sales.Orders AS o ON o.CustomerID = c.CustomerID",
        reads=["dbo.customers", "sales.orders"], calls=["dbo.fn_double"],
    ),
    "sales.orders": _table(
        "sales", "Orders",
        [
            ("OrderID", "int", False, False, None, None, None),
            ("CustomerID", "int", False, False, None, None, None),
            ("Amount", "money", True, False, None, None, None),
        ],
        ["OrderID"], foreign_keys=[("FK_Orders_Customers", ["CustomerID"], "dbo", "Customers", ["CustomerID"])],
    ),
    "sales.orders.ix_orders_customer": {"kind": "index", "schema": "sales", "name": "Orders.IX_Orders_Customer", "description": None, **NO_DEPENDENCIES},
    "sales.sales": {"kind": "schema", "schema": "sales", "name": "sales", "description": None, **NO_DEPENDENCIES},
    "sales.trg_orders_insert": _module(
        "trigger", "sales", "trg_Orders_Insert",
        "CREATE TRIGGER [sales].[trg_Orders_Insert] ON [sales].[Orders] AFTER INSERT AS INSERT INTO dbo.AuditLog (Message)"
        " SELECT 'orders: ' + CAST(COUNT(*) AS varchar(10)) FROM sales.Orders",
        reads=["sales.orders"], writes=["dbo.auditlog"],
    ),
}

# the rows of the post-deployment script, as (column, value) per row; numbers by value
EXPECTED_DATA = {
    "dbo.customers": [
        [("CustomerID", "1"), ("Name", "Ann"), ("Email", None), ("Credit", "10.5")],
        [("CustomerID", "2"), ("Name", "O'Brien"), ("Email", "ob@x"), ("Credit", "0")],
    ],
    "sales.orders": [[("OrderID", "10"), ("CustomerID", "1"), ("Amount", "5.25")]],
}


def by_value(data_type: str, value: str | None) -> str | None:
    """A number's text by its value (`0.00` and `0` alike); any other value as it is."""
    if value is None or data_type.split("(")[0] not in NUMERIC_TYPES:
        return value
    try:
        return format(Decimal(value).normalize(), "f")
    except InvalidOperation:
        return value


def comparable_rows(table: SourceObject, columns: list[str], rows: list[list[str | None]], wanted: list[str]) -> list[list[tuple]]:
    """Rows as (column, value) pairs in the `wanted` columns, numbers by value."""
    types = {c.name: c.data_type for c in table.columns}
    positions = [columns.index(name) for name in wanted]
    return [[(columns[p], by_value(types[columns[p]], row[p])) for p in positions] for row in rows]


def live_rows(catalog: Catalog, key: str) -> tuple[list[str], list[list[str | None]]]:
    """A table's rows as the live reader streams them: `copy_columns` order, COPY text."""
    table = catalog.get(key)
    batches = stream_table_rows(mssql_fake.connect_dacpac_estate(), table, batch_rows=1)
    return copy_columns(table), [row for batch in batches for row in batch]


def comparable_data(source: str, catalog: Catalog) -> dict[str, list[list[tuple]]]:
    """Each table's rows that the scripts hold, read from the catalog (or, live, from the server)."""
    found = {}
    for key, expected in EXPECTED_DATA.items():
        wanted = [name for name, _ in expected[0]]
        table = catalog.get(key)
        if source == "live":
            columns, rows = live_rows(catalog, key)
        else:
            data = catalog.data_for(key)
            columns, rows = data.columns, data.rows
        found[key] = comparable_rows(table, columns, rows, wanted)
    return found


# ---------------------------------------------------------------- agreement


def test_the_ssdt_layout_splits_every_batch(tmp_path: Path) -> None:
    root = write_ssdt_project(tmp_path)
    written = sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())
    assert written == [
        "Estate.sqlproj",
        "Script.PostDeployment.sql",
        "Security/sales.sql",
        "dbo/Functions/fn_Double.sql",
        "dbo/Stored Procedures/usp_AddOrder.sql",
        "dbo/Stored Procedures/usp_Log.sql",
        "dbo/Tables/AuditLog.sql",
        "dbo/Tables/Customers.sql",
        "dbo/Views/vCustomerOrders.sql",
        "sales/Tables/Orders.sql",
        "sales/Tables/Triggers/trg_Orders_Insert.sql",
    ]
    assert (root / "sales/Tables/Orders.sql").read_bytes().count(b"\r\nGO\r\n") == 2  # the table, then its index
    assert '<Build Include="dbo\\Stored Procedures\\usp_AddOrder.sql" />' in (root / "Estate.sqlproj").read_text()


def test_objects_agree(source: str, catalog: Catalog) -> None:
    assert comparable_catalog(catalog) == EXPECTED_OBJECTS


def test_data_agrees(source: str, catalog: Catalog) -> None:
    assert comparable_data(source, catalog) == EXPECTED_DATA


def test_findings_agree(catalog: Catalog) -> None:
    assert [(f.severity, f.message) for f in catalog.findings] == []


def test_all_four_agree_with_each_other(tmp_path: Path) -> None:
    """The same comparison, pairwise over the four catalogs read side by side."""
    catalogs = read_all(tmp_path)
    views = {name: (comparable_catalog(c), comparable_data(name, c)) for name, c in catalogs.items()}
    assert views["ssdt"] == views["script"]
    assert views["dacpac"] == views["script"]
    assert views["live"] == views["script"]
    assert views["script"] == (EXPECTED_OBJECTS, EXPECTED_DATA)


# ---------------------------------------------------------------- what differs, on purpose


def test_what_differs_by_source(tmp_path: Path) -> None:
    catalogs = read_all(tmp_path)
    script, ssdt, dacpac, live = (catalogs[name] for name in SOURCES)

    def where(catalog: Catalog, key: str) -> tuple:
        obj = catalog.get(key)
        return obj.file, obj.line

    assert [where(c, "dbo.customers") for c in (script, ssdt, dacpac, live)] == [
        ("estate.sql", 3), ("dbo/Tables/Customers.sql", 1), ("model.xml", None), (None, None),
    ]
    assert [where(c, "sales.trg_orders_insert") for c in (script, ssdt, dacpac, live)] == [
        ("estate.sql", 53), ("sales/Tables/Triggers/trg_Orders_Insert.sql", 1), ("model.xml", None), (None, None),
    ]
    # a table's text: as written in scripts (the dacpac rebuilds it the same way); the live reader rebuilds it
    # without the key's name, and CK_Orders_Amount as the server spells it (`([Amount]>=(0))`, parentheses stripped)
    assert script.get("sales.orders").body == ssdt.get("sales.orders").body == dacpac.get("sales.orders").body
    assert live.get("sales.orders").body == (
        "CREATE TABLE [sales].[Orders] (\n"
        "    [OrderID] int NOT NULL,\n"
        "    [CustomerID] int NOT NULL,\n"
        "    [Amount] money NULL,\n"
        "    PRIMARY KEY ([OrderID]),\n"
        "    CONSTRAINT [FK_Orders_Customers] FOREIGN KEY ([CustomerID]) REFERENCES [dbo].[Customers] ([CustomerID]),\n"
        "    CONSTRAINT [CK_Orders_Amount] CHECK ([Amount]>=(0))\n"
        ")"
    )
    # the check itself from every source; its text as the source spells it
    assert [c.get("sales.orders").checks for c in (script, ssdt, dacpac, live)] == [
        [CheckConstraint("[Amount] >= 0", "CK_Orders_Amount")]] * 3 + [[CheckConstraint("[Amount]>=(0)", "CK_Orders_Amount")]]
    assert [c.get("sales.orders.ix_orders_customer").body for c in (script, ssdt, dacpac, live)] == [
        "CREATE NONCLUSTERED INDEX [IX_Orders_Customer] ON [sales].[Orders] ([CustomerID])",
    ] * 3 + ["CREATE NONCLUSTERED INDEX [IX_Orders_Customer] ON [sales].[Orders] ([CustomerID] ASC)"]
    label = [(col.data_type, col.computed) for c in (script, ssdt, dacpac, live) for col in c.get("dbo.customers").columns if col.name == "Label"]
    assert label == [("", "[Name] + N'!'")] * 3 + [("nvarchar(51)", "[Name]+N'!'")]
    assert [c.collation for c in (script, dacpac, live)] == [DEFAULT_COLLATION, COLLATION, COLLATION]
    # data: a script's rows as the server stores them, values at the column's scale, defaults filled in
    created = READ_TIME.isoformat(" ", "milliseconds")
    assert [(d.table, d.columns, d.rows, d.origin) for d in script.data] == [
        ("dbo.customers", ["CustomerID", "Name", "Email", "Credit", "Created"],
         [["1", "Ann", None, "10.50", created], ["2", "O'Brien", "ob@x", "0.00", created]], "estate.sql"),
        ("sales.orders", ["OrderID", "CustomerID", "Amount"], [["10", "1", "5.2500"]], "estate.sql"),
    ]
    assert [d.origin for d in ssdt.data] == ["Script.PostDeployment.sql"] * 2
    assert [d.origin for d in dacpac.data] == ["postdeploy.sql"] * 2
    assert live.data == []
    assert live_rows(live, "dbo.customers") == (
        ["CustomerID", "Name", "Email", "Credit", "Created"],
        [["1", "Ann", None, "10.50", "2024-05-06T07:08:09.123000"], ["2", "O'Brien", "ob@x", "0.00", "2024-05-06T07:08:09.123000"]],
    )
    assert live_rows(live, "sales.orders") == (["OrderID", "CustomerID", "Amount"], [["10", "1", "5.2500"]])
    assert live_rows(live, "dbo.auditlog") == (["Message"], [["orders: 1"]])  # the trigger's row
    assert script.data_for("dbo.auditlog") is None


# ---------------------------------------------------------------- collation


def test_ssdt_collation_agrees_with_the_dacpac(tmp_path: Path) -> None:
    assert read_source("ssdt", tmp_path).collation == COLLATION
