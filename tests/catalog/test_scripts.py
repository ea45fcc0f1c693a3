"""The script catalog reader on a small estate written in tmp_path."""

from pathlib import Path

import pytest

from migrator_pipeline.catalog.date_strings import normalise_date_literal
from migrator_pipeline.catalog.dependencies import dependency_cycles
from migrator_pipeline.catalog.model import Column, Finding, ForeignKey, SourceError, TableData
from migrator_pipeline.catalog.scripts import read_catalog
from migrator_pipeline.catalog.stored_rows import READ_TIME

TABLES = """\
CREATE TABLE [dbo].[Customers] (
    [CustomerID] INT IDENTITY(1,1) NOT NULL,
    [Name] NVARCHAR(50) NOT NULL,
    [Email] VARCHAR(MAX) NULL,
    [Credit] DECIMAL(10, 2) NOT NULL CONSTRAINT [DF_Credit] DEFAULT ((0)),
    [Created] DATETIME2 DEFAULT (getdate()),
    [Label] AS ([Name] + N'!'),
    CONSTRAINT [PK_Customers] PRIMARY KEY CLUSTERED ([CustomerID] ASC) WITH (PAD_INDEX = OFF) ON [PRIMARY],
    CONSTRAINT [UQ_Customers_Name] UNIQUE ([Name])
) ON [PRIMARY] TEXTIMAGE_ON [PRIMARY]
GO
CREATE TABLE dbo.Orders (
    OrderID int NOT NULL PRIMARY KEY,
    CustomerID int NOT NULL REFERENCES dbo.Customers(CustomerID),
    Amount money NULL
)
GO
create table Sales.OrderTotals (CustomerID int not null, Total money, constraint pk_ot primary key (CustomerID))
go
CREATE TABLE dbo.Lines (OrderID int NOT NULL, LineNo int NOT NULL, Qty int)
GO
ALTER TABLE [dbo].[Lines] WITH CHECK ADD CONSTRAINT [FK_Lines_Orders] FOREIGN KEY([OrderID]) REFERENCES [dbo].[Orders] ([OrderID])
GO
ALTER TABLE dbo.Lines ADD CONSTRAINT PK_Lines PRIMARY KEY (OrderID, LineNo)
GO
ALTER TABLE [dbo].[Lines] CHECK CONSTRAINT [FK_Lines_Orders]
GO
SET IDENTITY_INSERT dbo.Customers ON
INSERT INTO dbo.Customers (CustomerID, Name, Email, Credit) VALUES (1, N'O''Brien', NULL, 10.50), (2, 'Ann', 'a@x', -1)
SET IDENTITY_INSERT dbo.Customers OFF
GO
INSERT dbo.Orders VALUES (10, 1, 5.25)
INSERT dbo.Orders VALUES (11, 2, @amount)
INSERT INTO dbo.Lines VALUES (10, 1, 0x0AFF)
"""

MODULES = """\
CREATE VIEW dbo.vCustomerOrders AS
SELECT c.Name, o.Amount, dbo.fn_Double(o.Amount) AS Twice
FROM dbo.Customers c JOIN dbo.Orders o ON o.CustomerID = c.CustomerID
GO
CREATE OR ALTER PROCEDURE [dbo].[LoadTotals] @since date = NULL, @who AS nvarchar(20) OUTPUT
AS
BEGIN
    SET NOCOUNT ON;
    SELECT CustomerID, SUM(Amount) AS Total INTO #t FROM dbo.Orders GROUP BY CustomerID
    TRUNCATE TABLE Sales.OrderTotals
    INSERT INTO Sales.OrderTotals (CustomerID, Total) SELECT CustomerID, Total FROM #t
    UPDATE c SET c.Credit = 0 FROM dbo.Customers c JOIN #t ON #t.CustomerID = c.CustomerID
    EXEC dbo.LogIt 'done'
END
GO
CREATE FUNCTION dbo.fn_Double (@x money) RETURNS money AS BEGIN RETURN @x * 2 END
GO
CREATE FUNCTION dbo.tvf_Orders (@c int) RETURNS TABLE AS RETURN (SELECT * FROM dbo.Orders WHERE CustomerID = @c)
GO
CREATE PROC dbo.Broken AS
BEGIN
    SELECT 1
GO
CREATE VIEW dbo.vCustomerOrders AS SELECT Name FROM dbo.Customers
GO
FROBNICATE dbo.Customers
"""


@pytest.fixture
def estate(tmp_path: Path) -> Path:
    (tmp_path / "tables").mkdir()
    (tmp_path / "tables" / "01_tables.sql").write_text(TABLES, encoding="utf-8")
    (tmp_path / "modules.sql").write_bytes(b"\xef\xbb\xbf" + MODULES.replace("\n", "\r\n").encode("utf-8"))
    (tmp_path / "wide.sql").write_bytes("CREATE VIEW dbo.vWide AS SELECT N'\u00e9' AS e\r\nGO\r\n".encode("utf-16"))
    (tmp_path / "zz_garbage.sql").write_bytes(bytes([0xC7, 0x00, 0xFF, 0x10, 0x80]))
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "Sales.OrderTotals.csv").write_text("CustomerID,Total\n1,5\n2,\n", encoding="utf-8")
    return tmp_path


def test_objects_in_path_order_with_file_and_line(estate):
    catalog = read_catalog(estate)
    assert [(o.source, o.kind, o.file, o.line) for o in catalog.objects] == [
        # a duplicate keeps the first one's place, with the last one's text and line
        ("dbo.vCustomerOrders", "view", "modules.sql", 24),
        ("dbo.LoadTotals", "procedure", "modules.sql", 5),
        ("dbo.fn_Double", "function", "modules.sql", 16),
        ("dbo.tvf_Orders", "function", "modules.sql", 18),
        ("dbo.Broken", "procedure", "modules.sql", 20),
        ("dbo.Customers", "table", "tables/01_tables.sql", 1),
        ("dbo.Orders", "table", "tables/01_tables.sql", 12),
        ("Sales.OrderTotals", "table", "tables/01_tables.sql", 18),
        ("dbo.Lines", "table", "tables/01_tables.sql", 20),
        ("dbo.vWide", "view", "wide.sql", 1),
    ]


def test_tables(estate):
    catalog = read_catalog(estate)
    customers = catalog.get("dbo.customers")
    assert customers.columns == [
        Column("CustomerID", "int", nullable=False, identity=True),
        Column("Name", "nvarchar(50)", nullable=False),
        Column("Email", "varchar(max)"),
        Column("Credit", "decimal(10,2)", nullable=False, default="0"),
        Column("Created", "datetime2", default="getdate()"),
        Column("Label", "", computed="[Name] + N'!'"),
    ]
    assert customers.primary_key == ["CustomerID"]
    assert customers.unique_keys == [["Name"]]
    orders = catalog.get("dbo.orders")
    assert orders.primary_key == ["OrderID"]
    assert orders.foreign_keys == [ForeignKey(["CustomerID"], "dbo", "Customers", ["CustomerID"])]
    assert catalog.get("sales.ordertotals").primary_key == ["CustomerID"]
    lines = catalog.get("dbo.lines")
    assert lines.primary_key == ["OrderID", "LineNo"]
    assert lines.foreign_keys == [ForeignKey(["OrderID"], "dbo", "Orders", ["OrderID"], "FK_Lines_Orders")]
    assert [c.nullable for c in lines.columns] == [False, False, True]


def test_modules_and_dependencies(estate):
    catalog = read_catalog(estate)
    view = catalog.get("dbo.vcustomerorders")
    assert view.body == "CREATE VIEW dbo.vCustomerOrders AS SELECT Name FROM dbo.Customers"
    assert (view.reads, view.writes, view.calls) == (["dbo.customers"], [], [])
    procedure = catalog.get("dbo.loadtotals")
    assert procedure.body.startswith("CREATE OR ALTER PROCEDURE [dbo].[LoadTotals] @since")
    assert procedure.body.endswith("EXEC dbo.LogIt 'done'\nEND")
    assert procedure.parameters == [["@since", "date"], ["@who", "nvarchar(20)"]]
    assert procedure.reads == ["dbo.orders"]
    assert procedure.writes == ["sales.ordertotals", "dbo.customers"]
    assert procedure.calls == ["dbo.logit"]
    double = catalog.get("dbo.fn_double")
    assert (double.function_kind, double.parameters) == ("scalar", [["@x", "money"]])
    tvf = catalog.get("dbo.tvf_orders")
    assert (tvf.function_kind, tvf.parameters, tvf.reads) == ("table", [["@c", "int"]], ["dbo.orders"])
    assert catalog.get("dbo.vwide").body == "CREATE VIEW dbo.vWide AS SELECT N'\u00e9' AS e"


def test_data_from_inserts_and_csv(estate):
    catalog = read_catalog(estate)
    created = READ_TIME.isoformat(" ", "microseconds") + "0"  # getdate() into datetime2(7)
    # stored as SQL Server stores them: at each column's scale, Created by its DEFAULT (getdate()),
    # 0x0AFF into an int column is 2815; the row with @amount is not a constant and is left out
    assert catalog.data == [
        TableData(
            "dbo.customers",
            ["CustomerID", "Name", "Email", "Credit", "Created"],
            [["1", "O'Brien", None, "10.50", created], ["2", "Ann", "a@x", "-1.00", created]],
            "tables/01_tables.sql",
        ),
        TableData("dbo.orders", ["OrderID", "CustomerID", "Amount"], [["10", "1", "5.2500"]], "tables/01_tables.sql", dropped=1),
        TableData("dbo.lines", ["OrderID", "LineNo", "Qty"], [["10", "1", "2815"]], "tables/01_tables.sql"),
        TableData("sales.ordertotals", ["CustomerID", "Total"], [["1", "5.0000"], ["2", None]], "data/Sales.OrderTotals.csv"),
    ]


def test_findings(estate):
    catalog = read_catalog(estate)
    findings = [(f.severity, f.file, f.line, f.object) for f in catalog.findings]
    messages = [f.message for f in catalog.findings]
    assert findings == [
        ("warning", "modules.sql", 24, "dbo.vCustomerOrders"),
        ("warning", "modules.sql", 26, None),
        ("warning", "tables/01_tables.sql", 33, None),
        ("error", "zz_garbage.sql", None, None),
        ("error", "modules.sql", 21, "dbo.Broken"),
        ("warning", "modules.sql", 5, "dbo.LoadTotals"),
    ]
    assert messages[0] == "duplicate object: dbo.vCustomerOrders is defined more than once; the definition at modules.sql:24 wins over modules.sql:1"
    assert messages[1] == "unrecognised statement ignored: FROBNICATE dbo.Customers"
    assert messages[2] == "VALUES row with a non-literal value skipped: @amount"
    assert messages[3].startswith("cannot read the file, skipped: ")
    assert messages[4] == "dbo.Broken: BEGIN without a matching END"
    assert messages[5] == "dbo.LoadTotals references dbo.logit, which is not in the catalog"


def test_single_file_source_reads_data_beside_it(estate):
    catalog = read_catalog(estate / "tables" / "01_tables.sql")
    assert [o.source for o in catalog.objects] == ["dbo.Customers", "dbo.Orders", "Sales.OrderTotals", "dbo.Lines"]
    assert catalog.findings[0].file == "01_tables.sql"


@pytest.mark.parametrize(
    ("name", "message"),
    [("missing", "source not found: "), ("notes.txt", "not a .sql file or a folder of .sql scripts: ")],
)
def test_unusable_source_raises(tmp_path, name, message):
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(SourceError, match=message):
        read_catalog(tmp_path / name)


def test_empty_folder(tmp_path):
    catalog = read_catalog(tmp_path)
    assert catalog.objects == []
    assert catalog.findings == [Finding("error", "no .sql files found")]


# ---------------------------------------------------------------- extensions: SQLCMD, kinds, data, SSDT


def write(folder: Path, files: dict[str, str | bytes]) -> Path:
    for name, content in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return folder


def summary(catalog) -> list[tuple[str, str]]:
    return [(o.source, o.kind) for o in catalog.objects]


def messages(catalog) -> list[tuple[str, str | None, int | None, str]]:
    return [(f.severity, f.file, f.line, f.message) for f in catalog.findings]


def test_sqlcmd_variables_includes_and_directives(tmp_path):
    write(tmp_path, {
        "main.sql": ":on error exit\n:setvar Schema \"Sales\"\n:setvar Suffix Old\n"
        "CREATE TABLE $(Schema).Orders$(Suffix) (id int)\nGO\n:r .\\inc\\Views.sql\n"
        "CREATE TABLE dbo.T_$(Missing) (id int)\nGO\n:r inc\\nothere.sql\n",
        "inc/Views.sql": "CREATE VIEW $(Schema).v AS SELECT id FROM $(Schema).Orders$(Suffix)\nGO\n:r ../main.sql\n",
    })
    catalog = read_catalog(tmp_path / "main.sql", variables={"Suffix": "New"})
    assert summary(catalog) == [("Sales.OrdersNew", "table"), ("Sales.v", "view"), ("dbo.T_$", "table")]
    assert catalog.get("sales.v").reads == ["sales.ordersnew"]
    assert messages(catalog) == [
        ("error", "inc/Views.sql", 3, "include cycle, not followed: main.sql -> inc/Views.sql -> main.sql"),
        ("error", "main.sql", 7, "undefined SQLCMD variable $(Missing)"),
        ("error", "main.sql", 9, "included file not found: inc\\nothere.sql"),
    ]


def test_included_files_are_not_read_twice_in_a_folder(tmp_path):
    write(tmp_path, {
        "a_tables.sql": "CREATE TABLE dbo.A (id int)\n",
        "Script.PostDeployment.sql": ":r .\\Data\\A.data.sql\n",
        "Data/A.data.sql": "INSERT dbo.A VALUES (1), (2)\n",
    })
    catalog = read_catalog(tmp_path)
    assert catalog.data == [TableData("dbo.a", ["id"], [["1"], ["2"]], "Data/A.data.sql")]
    assert catalog.findings == []


@pytest.mark.parametrize(
    ("script", "objects", "findings"),
    [
        # stub CREATE then ALTER: the ALTER wins, quietly
        (
            "IF OBJECT_ID('dbo.p') IS NULL EXEC('CREATE PROCEDURE dbo.p AS RETURN 0')\nGO\nALTER PROCEDURE dbo.p AS SELECT 1\n",
            [("dbo.p", "procedure", "ALTER PROCEDURE dbo.p AS SELECT 1")],
            [],
        ),
        (
            "CREATE VIEW dbo.v AS SELECT 1 AS a\nGO\nCREATE OR ALTER VIEW dbo.v AS SELECT 2 AS a\n",
            [("dbo.v", "view", "CREATE OR ALTER VIEW dbo.v AS SELECT 2 AS a")],
            [],
        ),
        (
            "CREATE VIEW dbo.v AS SELECT 1 AS a\nGO\nCREATE VIEW dbo.v AS SELECT 2 AS a\n",
            [("dbo.v", "view", "CREATE VIEW dbo.v AS SELECT 2 AS a")],
            [("warning", 3, "duplicate object: dbo.v is defined more than once; the definition at s.sql:3 wins over s.sql:1")],
        ),
        (
            "IF NOT EXISTS (SELECT 1 FROM sys.views WHERE name = 'v')\n    EXEC('CREATE VIEW [dbo].[v] AS SELECT ''x'' AS a')\n",
            [("dbo.v", "view", "CREATE VIEW [dbo].[v] AS SELECT 'x' AS a")],
            [],
        ),
        (
            "EXEC sp_executesql N'CREATE FUNCTION dbo.f (@x int) RETURNS int AS BEGIN RETURN @x END'\n",
            [("dbo.f", "function", "CREATE FUNCTION dbo.f (@x int) RETURNS int AS BEGIN RETURN @x END")],
            [],
        ),
        (
            "DECLARE @s nvarchar(max) = N'x'\nEXEC (N'CREATE VIEW dbo.w AS SELECT ' + @s)\n",
            [],
            [("warning", 2, "dynamic SQL that is not a string literal creates dbo.w: not read")],
        ),
    ],
)
def test_object_forms(tmp_path, script, objects, findings):
    write(tmp_path, {"s.sql": script})
    catalog = read_catalog(tmp_path)
    assert [(o.source, o.kind, o.body) for o in catalog.objects] == objects
    assert [(f.severity, f.line, f.message) for f in catalog.findings] == findings


RECORDED = """\
CREATE SCHEMA [Sales] AUTHORIZATION [dbo]
GO
CREATE TYPE dbo.Phone FROM varchar(20) NOT NULL
GO
EXEC sp_addtype N'Code', N'nchar(3)', N'NULL'
GO
CREATE TYPE [Sales].[Lines] AS TABLE (id int)
GO
CREATE SEQUENCE Sales.OrderNo AS int START WITH 1 INCREMENT BY 1
GO
CREATE TABLE Sales.Customer ([Phone] Phone NULL, [Code] dbo.Code, [Order Date] date, [select] int)
GO
CREATE UNIQUE NONCLUSTERED INDEX [IX Phone] ON Sales.Customer ([Phone]) WITH (PAD_INDEX = OFF) ON [PRIMARY]
GO
CREATE INDEX IX_Missing ON dbo.Nowhere (a)
GO
CREATE SYNONYM dbo.Cust FOR Sales.Customer
GO
CREATE PROCEDURE dbo.Call @p Phone AS SELECT [Order Date], [select] FROM "Sales"."Customer"
"""


def test_recorded_kinds_and_alias_types(tmp_path):
    write(tmp_path, {"s.sql": RECORDED})
    catalog = read_catalog(tmp_path)
    assert summary(catalog) == [
        ("Sales.Sales", "schema"),
        ("dbo.Phone", "type"),
        ("dbo.Code", "type"),
        ("Sales.Lines", "type"),
        ("Sales.OrderNo", "sequence"),
        ("Sales.Customer", "table"),
        ("Sales.Customer.IX Phone", "index"),
        ("dbo.Nowhere.IX_Missing", "index"),
        ("dbo.Cust", "synonym"),
        ("dbo.Call", "procedure"),
    ]
    assert catalog.get("sales.customer").columns == [
        Column("Phone", "varchar(20)", nullable=False),
        Column("Code", "nchar(3)"),
        Column("Order Date", "date"),
        Column("select", "int"),
    ]
    assert catalog.get("dbo.call").parameters == [["@p", "varchar(20)"]]
    assert catalog.get("dbo.call").reads == ["sales.customer"]
    assert catalog.get("sales.customer.ix phone").body.startswith("CREATE UNIQUE NONCLUSTERED INDEX [IX Phone]")
    assert messages(catalog) == [
        ("warning", "s.sql", 15, "dbo.Nowhere.IX_Missing references dbo.nowhere, which is not in the catalog"),
    ]


DESCRIPTIONS = """\
CREATE TABLE dbo.T (a int, b int)
GO
CREATE VIEW dbo.V AS SELECT a FROM dbo.T
GO
EXEC sp_addextendedproperty @name = N'MS_Description', @value = N'The T''s table',
    @level0type = N'SCHEMA', @level0name = N'dbo', @level1type = N'TABLE', @level1name = N'T'
EXEC sys.sp_addextendedproperty N'MS_Description', N'Column b', N'SCHEMA', N'dbo', N'TABLE', N'T', N'COLUMN', N'b'
EXEC sp_addextendedproperty N'MS_Description', 'A view', 'SCHEMA', 'dbo', 'VIEW', 'V'
EXEC sp_addextendedproperty N'Other', 'ignored', 'SCHEMA', 'dbo', 'VIEW', 'V'
EXEC sp_addextendedproperty N'MS_Description', 'lost', 'SCHEMA', 'dbo', 'TABLE', 'Gone'
EXEC sp_addextendedproperty N'MS_Description', 'lost', 'SCHEMA', 'dbo', 'TABLE', 'T', 'COLUMN', 'zz'
"""


def test_descriptions(tmp_path):
    write(tmp_path, {"s.sql": DESCRIPTIONS})
    catalog = read_catalog(tmp_path)
    table = catalog.get("dbo.t")
    assert (table.description, [c.description for c in table.columns]) == ("The T's table", [None, "Column b"])
    assert catalog.get("dbo.v").description == "A view"
    assert messages(catalog) == [
        ("warning", "s.sql", 10, "MS_Description for an unknown object dbo.Gone ignored"),
        ("warning", "s.sql", 11, "MS_Description for an unknown column dbo.T.zz ignored"),
    ]


def test_references_to_other_databases(tmp_path):
    write(tmp_path, {"s.sql": "USE [Shop]\nGO\nCREATE TABLE dbo.T (a int)\nGO\n"
                     "CREATE VIEW dbo.V AS SELECT t.a FROM Shop.dbo.T t JOIN Other.dbo.U u ON u.a = t.a JOIN srv.Db.dbo.W w ON w.a = t.a\nGO\n"
                     "CREATE SYNONYM dbo.S FOR [Remote DB].dbo.X\n"})
    catalog = read_catalog(tmp_path)
    assert messages(catalog) == [
        ("warning", "s.sql", 7, "dbo.S references Remote DB.dbo.X in another database"),
        ("warning", "s.sql", 5, "dbo.V references Other.dbo.U in another database"),
        ("warning", "s.sql", 5, "dbo.V references srv.Db.dbo.W on a linked server"),
        ("warning", "s.sql", 5, "dbo.V references dbo.u, which is not in the catalog"),
    ]


@pytest.mark.parametrize(
    ("value", "data_type", "dateformat", "expected"),
    [
        ("20231205", "datetime", "dmy", "2023-12-05"),
        ("2023-12-05T10:30:00", "datetime", "dmy", "2023-12-05 10:30:00"),
        ("2023-12-05", "date", "dmy", "2023-12-05"),
        ("2023-05-12", "datetime", "dmy", "2023-12-05"),  # datetime reads yyyy-dd-mm under dmy
        ("2023-12-05 10:30:00.123", "datetime2", "mdy", "2023-12-05 10:30:00.123"),
        ("05/12/2023", "date", "dmy", "2023-12-05"),
        ("12/05/2023", "date", "mdy", "2023-12-05"),
        ("2023/05/12", "date", "ydm", "2023-05-12"),  # ydm does not apply to date, datetime2
        ("2023/05/12", "datetime", "ydm", "2023-12-05"),
        ("05.12.23 2:05 PM", "smalldatetime", "dmy", "2023-12-05 14:05:00"),
        ("Dec 5 2023", "date", "dmy", "2023-12-05"),
        ("5 December 2023 12:00AM", "datetime", "mdy", "2023-12-05 00:00:00"),
        ("31/02/2023", "date", "dmy", None),
        ("yesterday", "date", "mdy", None),
    ],
)
def test_normalise_date_literal(value, data_type, dateformat, expected):
    assert normalise_date_literal(value, data_type, dateformat) == expected


DATA = """\
CREATE TABLE dbo.Events (id int, happened datetime, day date, blob varbinary(10), note nvarchar(20))
GO
INSERT dbo.Events VALUES (1, '12/05/2023 10:00', '12/05/2023', 0xFF00, N'caf\u00e9')
SET DATEFORMAT dmy;
INSERT INTO dbo.Dated (id, happened, day) VALUES (2, '12/05/2023', '2023-05-12'), (3, '20230512', '2023-05-13')
INSERT INTO dbo.Dated (id, happened, day) VALUES (4, '20230512', 'not a date'),
  (5, '20230512', '2023-05-14')
GO
BULK INSERT dbo.Events FROM '$(DataPath)\\events.csv' WITH (FIELDTERMINATOR = ',', ROWTERMINATOR = '\\n', FIRSTROW = 2, CODEPAGE = '65001')
BULK INSERT dbo.Wide FROM 'C:\\data\\wide.dat' WITH (DATAFILETYPE = 'widechar', FIELDTERMINATOR = '|')
BULK INSERT dbo.Events FROM 'C:\\data\\missing.csv'
"""


def test_data_dateformat_and_bulk_insert(tmp_path):
    write(tmp_path, {
        "s.sql": DATA + "CREATE TABLE dbo.Wide (a nvarchar(5), b int)\nCREATE TABLE dbo.Dated (id int, happened datetime, day date)\n",
        "events.csv": "id,happened,day,blob,note\r\n4,2023-01-02 03:04:05,,,x\r\n",
        "wide.dat": "\u00e9|1\n|2\n".encode("utf-16"),
    })
    catalog = read_catalog(tmp_path, variables={"DataPath": "D:\\Loads"})
    events = catalog.data_for("dbo.events")
    assert events.columns == ["id", "happened", "day", "blob", "note"]
    assert events.rows == [
        ["1", "2023-12-05 10:00:00.000", "2023-12-05", "\\xFF00", "caf\u00e9"],
        ["4", "2023-01-02 03:04:05.000", None, None, "x"],
    ]
    second = [d for d in catalog.data if d.table == "dbo.events"]
    assert len(second) == 1
    assert catalog.data_for("dbo.wide").rows == [["\u00e9", "1"], [None, "2"]]
    assert messages(catalog) == [
        ("error", "s.sql", 11, "BULK INSERT file for dbo.events not found: C:\\data\\missing.csv"),
        ("warning", "s.sql", 6, "dbo.Dated row not stored (nor any of the 2 rows of its INSERT): "
         "Conversion failed when converting date and/or time from character string."),
    ]
    # as SQL Server: one bad value fails its whole INSERT statement, the other statements store their rows
    assert catalog.data_for("dbo.dated").rows == [["2", "2023-05-12 00:00:00.000", "2023-05-12"], ["3", "2023-05-12 00:00:00.000", "2023-05-13"]]
    assert catalog.data_for("dbo.dated").dropped == 2
    assert catalog.data_for("dbo.events").origin == "s.sql"


SQLPROJ = """<?xml version="1.0" encoding="utf-8"?>
<Project DefaultTargets="Build" xmlns="http://schemas.microsoft.com/developer/msbuild/2003">
  <PropertyGroup><Name>ShopDb</Name></PropertyGroup>
  <ItemGroup>
    <Build Include="dbo\\Tables\\Orders.sql" />
    <Build Include="Sales\\Views\\vOrders.sql" />
    <None Include="Scripts\\Scratch.sql" />
    <PostDeploy Include="Scripts\\Script.PostDeployment.sql" />
    <PreDeploy Include="Scripts\\Script.PreDeployment.sql" />
    <SqlCmdVariable Include="Env"><DefaultValue>dev</DefaultValue></SqlCmdVariable>
  </ItemGroup>
</Project>
"""


def test_ssdt_project_layout(tmp_path):
    write(tmp_path, {
        "ShopDb.sqlproj": SQLPROJ,
        "dbo/Tables/Orders.sql": "CREATE TABLE [dbo].[Orders] ([id] INT NOT NULL PRIMARY KEY, [env] varchar(5))",
        "Sales/Views/vOrders.sql": "CREATE VIEW Sales.vOrders AS SELECT id FROM ShopDb.dbo.Orders",
        "Sales/Sales.sql": "CREATE SCHEMA Sales",
        "Scripts/Scratch.sql": "CREATE TABLE dbo.Scratch (a int)",
        "Scripts/Script.PreDeployment.sql": "PRINT 'pre'",
        "Scripts/Script.PostDeployment.sql": ":r .\\Data\\Orders.data.sql\n",
        "Scripts/Data/Orders.data.sql": "INSERT INTO dbo.Orders VALUES (1, '$(Env)')",
        "bin/Debug/ShopDb_Create.sql": "CREATE TABLE dbo.Generated (a int)",
    })
    catalog = read_catalog(tmp_path)
    assert [(o.source, o.kind, o.file) for o in catalog.objects] == [
        ("Sales.Sales", "schema", "Sales/Sales.sql"),
        ("Sales.vOrders", "view", "Sales/Views/vOrders.sql"),
        ("dbo.Orders", "table", "dbo/Tables/Orders.sql"),
    ]
    assert catalog.data == [TableData("dbo.orders", ["id", "env"], [["1", "dev"]], "Scripts/Data/Orders.data.sql")]
    assert catalog.findings == []


@pytest.mark.parametrize(
    ("raw", "severity"),
    [
        (b"CREATE VIEW dbo.v AS SELECT 1 AS a\r\n", None),
        (b"\xef\xbb\xbfCREATE VIEW dbo.v AS SELECT 1 AS a", None),
        ("CREATE VIEW dbo.v AS SELECT 1 AS a".encode("utf-16-le").join([b"\xff\xfe", b""]), None),
        ("CREATE VIEW dbo.v AS SELECT 1 AS a".encode("utf-16-be").join([b"\xfe\xff", b""]), None),
        ("CREATE VIEW dbo.v AS SELECT 1 AS a".encode("utf-16-le"), "error"),  # no BOM: NULs
        (b"\x00\x01\x02\xff\xfe\xfd", "error"),
    ],
)
def test_encodings(tmp_path, raw, severity):
    write(tmp_path, {"s.sql": raw, "t.sql": "CREATE TABLE dbo.t (a int)"})
    catalog = read_catalog(tmp_path)
    expected = [("dbo.v", "view"), ("dbo.t", "table")] if severity is None else [("dbo.t", "table")]
    assert summary(catalog) == expected
    assert [(f.severity, f.file) for f in catalog.findings] == ([] if severity is None else [(severity, "s.sql")])


def test_dependency_cycles(tmp_path):
    write(tmp_path, {"s.sql": "CREATE VIEW dbo.a AS SELECT * FROM dbo.b\nGO\nCREATE VIEW dbo.b AS SELECT * FROM dbo.a\nGO\n"
                     "CREATE PROCEDURE dbo.p AS EXEC dbo.p\nGO\nCREATE VIEW dbo.c AS SELECT * FROM dbo.a\n"})
    catalog = read_catalog(tmp_path)
    assert dependency_cycles(catalog) == [["dbo.a", "dbo.b"], ["dbo.p"]]
    assert messages(catalog) == [
        ("warning", "s.sql", 1, "dependency cycle: dbo.a -> dbo.b -> dbo.a"),
        ("warning", "s.sql", 5, "dependency cycle: dbo.p -> dbo.p"),
    ]


def test_a_large_estate_reads_in_seconds(tmp_path):
    import time

    tables = "\nGO\n".join(f"CREATE TABLE dbo.t{n} (id int PRIMARY KEY, v nvarchar(10))" for n in range(1000))
    views = "\nGO\n".join(f"CREATE VIEW dbo.v{n} AS SELECT id, v FROM dbo.t{n} JOIN dbo.t{(n + 1) % 1000} u ON u.id = id" for n in range(1000))
    write(tmp_path, {"tables.sql": tables, "views.sql": views})
    started = time.perf_counter()
    catalog = read_catalog(tmp_path)
    assert len(catalog.objects) == 2000
    assert catalog.findings == []
    assert time.perf_counter() - started < 10
