"""The script catalog reader on a small estate written in tmp_path."""

from pathlib import Path

import pytest

from migrator_pipeline.catalog.model import Column, Finding, ForeignKey, TableData
from migrator_pipeline.catalog.scripts import SourceError, read_catalog

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
INSERT dbo.Orders VALUES (11, 2, getdate())
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
    assert catalog.data == [
        TableData("sales.ordertotals", ["CustomerID", "Total"], [["1", "5"], ["2", None]], "data/Sales.OrderTotals.csv"),
        TableData(
            "dbo.customers",
            ["CustomerID", "Name", "Email", "Credit"],
            [["1", "O'Brien", None, "10.50"], ["2", "Ann", "a@x", "-1"]],
            "tables/01_tables.sql",
        ),
        TableData("dbo.orders", ["OrderID", "CustomerID", "Amount"], [["10", "1", "5.25"]], "tables/01_tables.sql"),
        TableData("dbo.lines", ["OrderID", "LineNo", "Qty"], [["10", "1", "\\x0AFF"]], "tables/01_tables.sql"),
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
    ]
    assert messages[0] == "dbo.vCustomerOrders is defined more than once; the definition at modules.sql:24 wins over modules.sql:1"
    assert messages[1] == "unrecognised statement ignored: FROBNICATE dbo.Customers"
    assert messages[2] == "VALUES row with a non-literal value skipped: getdate ( )"
    assert messages[3].startswith("cannot read the file, skipped: ")
    assert messages[4] == "dbo.Broken: BEGIN without a matching END"


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
