"""Data scripts loaded as SQL Server would have stored them, checked with rows on PostgreSQL.

The fixtures are our own reductions of what SSMS's Generate Scripts writes and of pubs'
instpubs.sql (a bit column given 3, omitted columns with DEFAULTs, IDENTITY columns).
"""

from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path

from migrator_pipeline.catalog.scripts import read_catalog
from migrator_pipeline.catalog.stored_rows import READ_TIME
from migrator_pipeline.warehouse.loading import load_source_tables

SSMS_SCRIPT = """\
CREATE TABLE [dbo].[People](
    [PersonID] [int] IDENTITY(100,10) NOT NULL,
    [Name] [nvarchar](40) NOT NULL,
    [Born] [datetime] NULL,
    [Day] [date] NULL,
    [Stamp] [datetime2](7) NULL,
    [At] [time](7) NULL,
    [Salary] [decimal](10, 2) NULL,
    [Pay] [money] NULL,
    [Photo] [varbinary](max) NULL,
    [Active] [bit] NOT NULL CONSTRAINT [DF_People_Active] DEFAULT ((1)),
    [Country] [nvarchar](20) NOT NULL DEFAULT (N'UK'),
    [Added] [datetime] NULL DEFAULT (getdate())
)
GO
SET IDENTITY_INSERT [dbo].[People] ON
GO
INSERT [dbo].[People] ([PersonID], [Name], [Born], [Day], [Stamp], [At], [Salary], [Pay], [Photo], [Active]) VALUES (1, N'Ann', CAST(N'2023-12-31T23:00:00.000' AS DateTime), CAST(N'2023-12-31' AS Date), CAST(N'2023-12-31T23:00:00.1234560' AS DateTime2), CAST(N'13:45:10.5000000' AS Time), CAST(100.00 AS Decimal(10, 2)), 19.9900, 0x0AFF, 1)
GO
INSERT [dbo].[People] ([PersonID], [Name], [Born], [Salary], [Pay], [Active]) VALUES (5, N'O''Brien', '2023-01-01 10:00:00.005', 100, $-2.5, 3)
GO
SET IDENTITY_INSERT [dbo].[People] OFF
GO
INSERT [dbo].[People] ([Name], [Salary], [Active]) VALUES (N'Generated', '7.125', 0), (N'Next', -1.005, DEFAULT)
INSERT [dbo].[People] ([Name], [Salary]) VALUES (N'Too long a name for forty characters, really', 1)
INSERT [dbo].[People] VALUES (N'No list', NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0, N'FR', NULL)
GO
"""


def _rows(pg, sql: str) -> list[tuple]:
    pg.execute(sql)
    return pg.fetchall()


def test_an_ssms_data_script_is_stored_as_sql_server_stores_it(tmp_path: Path, pg, warehouse_url):
    (tmp_path / "people.sql").write_text(SSMS_SCRIPT, encoding="utf-8")
    catalog = read_catalog(tmp_path)
    # the one row SQL Server refuses is a finding with its file and line; the rest load
    assert [(f.severity, f.file, f.line, f.message) for f in catalog.findings] == [
        ("warning", "people.sql", 25, "dbo.People row not stored: String or binary data would be truncated "
                                      "(a value of 44 characters into nvarchar(40))."),
    ]
    report = load_source_tables(warehouse_url, catalog, "stored_raw")
    assert [(t.rows, t.error, t.incomplete) for t in report.tables] == [(5, None, None)]
    rows = _rows(pg, "select personid, name, born, day, stamp, at, salary, pay, photo, active, country, added "
                     "from stored_raw.dbo__people order by personid")
    added = READ_TIME  # getdate(): when the script ran
    assert [row[:8] + (bytes(row[8]) if row[8] is not None else None,) + row[9:] for row in rows] == [
        (1, "Ann", datetime(2023, 12, 31, 23), date(2023, 12, 31), datetime(2023, 12, 31, 23, 0, 0, 123456),
         time(13, 45, 10, 500000), Decimal("100.00"), Decimal("19.9900"), b"\x0a\xff", True, "UK", added),
        # datetime ticks (.005 -> .007), 100 -> 100.00, $-2.5 at money's 4 places, 3 into bit is 1
        (5, "O'Brien", datetime(2023, 1, 1, 10, 0, 0, 7000), None, None, None, Decimal("100.00"),
         Decimal("-2.5000"), None, True, "UK", added),
        # IDENTITY goes on from the highest value given (5), by its increment (10); '7.125' rounds half away
        (15, "Generated", None, None, None, None, Decimal("7.13"), None, None, False, "UK", added),
        (25, "Next", None, None, None, None, Decimal("-1.01"), None, None, True, "UK", added),
        # no column list: every column but the identity, in order
        (35, "No list", None, None, None, None, None, None, None, False, "FR", None),
    ]
    pg.execute("drop schema stored_raw cascade")


PUBS_LIKE = """\
CREATE TABLE authors (au_id varchar(11) NOT NULL, contract bit NOT NULL)
GO
CREATE TABLE jobs (job_id smallint IDENTITY(1,1) PRIMARY KEY, job_desc varchar(50) NOT NULL
    DEFAULT 'New Position - title not formalized yet', min_lvl tinyint NOT NULL)
GO
CREATE TABLE titles (title_id varchar(6) NOT NULL, type char(12) NOT NULL DEFAULT ('UNDECIDED'),
    price money NULL, pubdate datetime NOT NULL DEFAULT (getdate()))
GO
insert authors values ('409-56-7008', 3)
insert authors values ('213-46-8915', 0)
insert authors values ('bad', 'yes')
GO
insert jobs values ('New Hire - Job not specified', 10)
insert jobs values ('Chief Executive Officer', 200)
insert jobs (min_lvl) values (25)
GO
insert titles (title_id, price) values ('PC8888', $20.00)
insert titles values ('BU1032', 'business', $19.99, '06/12/91')
GO
"""


def test_pubs_bits_defaults_and_identities(tmp_path: Path, pg, warehouse_url):
    (tmp_path / "instpubs.sql").write_text(PUBS_LIKE, encoding="utf-8")
    catalog = read_catalog(tmp_path)
    assert [(f.file, f.line, f.message) for f in catalog.findings] == [
        ("instpubs.sql", 11, "dbo.authors row not stored: Conversion failed when converting the varchar value 'yes' "
                             "to data type bit."),
    ]
    report = load_source_tables(warehouse_url, catalog, "pubs_raw")
    assert [(t.source, t.rows, t.error) for t in report.tables] == [
        ("dbo.authors", 2, None), ("dbo.jobs", 3, None), ("dbo.titles", 2, None)]
    assert _rows(pg, "select au_id, contract from pubs_raw.dbo__authors order by 1") == [
        ("213-46-8915", False), ("409-56-7008", True)]
    assert _rows(pg, "select job_id, job_desc, min_lvl from pubs_raw.dbo__jobs order by 1") == [
        (1, "New Hire - Job not specified", 10), (2, "Chief Executive Officer", 200),
        (3, "New Position - title not formalized yet", 25)]
    assert _rows(pg, "select title_id, type, price, pubdate from pubs_raw.dbo__titles order by 1") == [
        ("BU1032", "business    ", Decimal("19.9900"), datetime(1991, 6, 12)),
        ("PC8888", "UNDECIDED   ", Decimal("20.0000"), READ_TIME)]
    pg.execute("drop schema pubs_raw cascade")


MISSING_FILE = """\
CREATE TABLE dbo.Sales (id int NOT NULL, amount money NULL)
GO
CREATE TABLE dbo.Notes (id int NOT NULL, note nvarchar(5) NOT NULL)
GO
CREATE TABLE dbo.Regions (id int NOT NULL)
GO
BULK INSERT dbo.Sales FROM '$(DataPath)sales.csv' WITH (FORMAT = 'CSV', FIRSTROW = 2)
GO
INSERT dbo.Notes VALUES (1, N'far too long')
INSERT dbo.Regions VALUES (1)
GO
CREATE VIEW dbo.vSales AS SELECT id, amount FROM dbo.Sales
GO
CREATE VIEW dbo.vBig AS SELECT id FROM dbo.vSales WHERE amount > 10
GO
CREATE VIEW dbo.vNotes AS SELECT id, note FROM dbo.Notes
GO
CREATE VIEW dbo.vRegions AS SELECT id FROM dbo.Regions
GO
"""


def test_a_missing_data_file_or_rows_all_refused_never_pass(tmp_path: Path, pg, warehouse_url):
    from migrator_pipeline.dbt_project.results import BuildReport, NodeResult
    from migrator_pipeline.drafts import DraftModel, Drafts
    from migrator_pipeline.evaluation.scorecard import evaluate
    from migrator_pipeline.planning.model import MigrationPlan, PlanEntry, PlannedModel

    (tmp_path / "estate.sql").write_text(MISSING_FILE, encoding="utf-8")
    catalog = read_catalog(tmp_path, variables={"DataPath": "C:\\loads\\"})
    missing = next(f for f in catalog.findings if f.object == "dbo.sales")
    assert (missing.severity, missing.file, missing.line, missing.message) == (
        "error", "estate.sql", 7, "BULK INSERT file for dbo.sales not found: C:\\loads\\sales.csv")
    report = load_source_tables(warehouse_url, catalog, "missing_raw")
    assert [(t.source, t.rows, t.incomplete) for t in report.tables] == [
        ("dbo.Sales", 0, "its data file C:\\loads\\sales.csv was not read"),
        ("dbo.Notes", 0, "all 1 of its rows could not be stored"),
        ("dbo.Regions", 1, None),
    ]
    assert _rows(pg, "select count(*) from missing_raw.dbo__sales") == [(0,)]
    pg.execute("drop schema missing_raw cascade")

    # every object built and passed its tests; only the raw data decides
    names = {"dbo.sales": "stg_sales", "dbo.notes": "stg_notes", "dbo.regions": "stg_regions",
             "dbo.vsales": "vsales", "dbo.vbig": "vbig", "dbo.vnotes": "vnotes", "dbo.vregions": "vregions"}
    plan = MigrationPlan(
        project="p", raw_schema="p_raw",
        models=[PlannedModel(name, "marts", "view", key, "") for key, name in names.items()],
        entries=[PlanEntry(key, catalog.get(key).source, catalog.get(key).kind, "model", [name])
                 for key, name in names.items()])
    drafts = Drafts("p", models=[DraftModel(name, key, "select 1", "rules", 1) for key, name in names.items()])
    built = BuildReport([NodeResult(f"model.p.{name}", name, "model", "success") for name in names.values()], {})
    statuses = {o.source: (o.status, o.reason) for o in evaluate(catalog, plan, drafts, built, [], report).objects}
    sales = ("needs_review", "rests on dbo.Sales, whose raw copy is incomplete: its data file C:\\loads\\sales.csv "
             "was not read (missing from the source: not a fault of the migration)")
    notes = ("needs_review", "rests on dbo.Notes, whose raw copy is incomplete: all 1 of its rows could not be stored")
    assert statuses == {
        "dbo.Sales": sales, "dbo.vSales": sales, "dbo.vBig": sales,  # through the view it reads
        "dbo.Notes": notes, "dbo.vNotes": notes,
        "dbo.Regions": ("passed", None), "dbo.vRegions": ("passed", None),
    }


def test_a_row_postgresql_cannot_hold_is_a_finding_with_its_line(tmp_path: Path, pg, warehouse_url):
    # SQL Server stores a NUL character in nvarchar; PostgreSQL's text cannot hold one
    (tmp_path / "t.sql").write_text(
        "CREATE TABLE dbo.T (id int, s nvarchar(10))\nGO\n"
        "INSERT dbo.T VALUES (1, N'ok')\nINSERT dbo.T VALUES (2, N'a' + NCHAR(0) + N'b')\nINSERT dbo.T VALUES (3, N'ok')\n",
        encoding="utf-8")
    report = load_source_tables(warehouse_url, read_catalog(tmp_path), "nul_raw")
    assert [(f.file, f.line, f.message.split(":")[0]) for f in report.findings] == [
        ("t.sql", 4, "dbo.T row not loaded, PostgreSQL refuses it")]
    assert [(t.rows, t.incomplete) for t in report.tables] == [
        (2, 'PostgreSQL refused 1 of its 3 rows (first: invalid byte sequence for encoding "UTF8": 0x00)')]
    assert _rows(pg, "select id from nul_raw.dbo__t order by 1") == [(1,), (3,)]
    pg.execute("drop schema nul_raw cascade")


BULK_SCRIPT = """\
CREATE TABLE dbo.Reviews (
    ReviewID int IDENTITY(1,1) NOT NULL,
    Name nvarchar(20) NOT NULL,
    Label AS (Name + N'!'),
    Comments nvarchar(200) NULL,
    Extension nvarchar(8) NOT NULL,
    Rating int NOT NULL DEFAULT (3),
    Modified datetime NOT NULL
)
GO
BULK INSERT dbo.Reviews FROM 'C:\\Samples\\Reviews.csv' WITH (FIELDTERMINATOR = '\\t', ROWTERMINATOR = '0x0a', KEEPIDENTITY)
GO
BULK INSERT dbo.Reviews FROM 'C:\\Samples\\More.csv' WITH (FIELDTERMINATOR = '\\t', ROWTERMINATOR = '0x0a')
GO
"""


def test_bulk_insert_files_are_read_as_sql_server_reads_them(tmp_path: Path, pg, warehouse_url):
    (tmp_path / "load.sql").write_text(BULK_SCRIPT, encoding="utf-8")
    # AdventureWorks' shape: a field for the computed column (ignored), a line break inside a
    # comment (data: only the last field ends at the row terminator), a lone NUL for ''
    (tmp_path / "Reviews.csv").write_bytes(
        b"7\tAnn\t\tGood\nvery good\t\x00\t5\t2024-09-17 00:00:00.000\n"
        b"9\tBob\tBob!\t\tpdf\t\t2024-09-18 10:00:00.005\n")
    # without KEEPIDENTITY the file's identity values are ignored; a bad row is skipped (MAXERRORS 10)
    (tmp_path / "More.csv").write_bytes(
        b"1\tCy\t\tOk\tdoc\t4\t2024-09-19\n"
        b"2\tDee\t\tBad\tdoc\tfive\t2024-09-19\n")
    catalog = read_catalog(tmp_path)
    assert [(f.file, f.line, f.message) for f in catalog.findings] == [
        ("More.csv", 2, "dbo.Reviews row not stored: Conversion failed when converting the varchar value 'five' "
                        "to data type int."),
    ]
    report = load_source_tables(warehouse_url, catalog, "bulk_raw")
    assert [(t.rows, t.error, t.incomplete) for t in report.tables] == [(3, None, None)]
    assert _rows(pg, "select reviewid, name, comments, extension, rating, modified from bulk_raw.dbo__reviews order by 1") == [
        (7, "Ann", "Good\nvery good", "", 5, datetime(2024, 9, 17)),
        (9, "Bob", None, "pdf", 3, datetime(2024, 9, 18, 10, 0, 0, 7000)),  # an empty field takes the DEFAULT
        (10, "Cy", "Ok", "doc", 4, datetime(2024, 9, 19)),
    ]
    pg.execute("drop schema bulk_raw cascade")


def test_identity_statements_sql_server_refuses(tmp_path: Path):
    (tmp_path / "t.sql").write_text(
        "CREATE TABLE dbo.T (id int IDENTITY(1,1), a int)\nGO\n"
        "INSERT dbo.T (id, a) VALUES (7, 1)\n"          # explicit identity, IDENTITY_INSERT OFF
        "INSERT dbo.T VALUES (8, 2)\n"                  # a value for every column: one too many
        "SET IDENTITY_INSERT dbo.T ON\n"
        "INSERT dbo.T VALUES (9, 3)\n"                  # ON, but no column list
        "INSERT dbo.T (a) VALUES (4)\n"                 # ON, but the identity left out
        "INSERT dbo.T (id, a) VALUES (10, 5)\n"
        "SET IDENTITY_INSERT dbo.T OFF\n"
        "INSERT dbo.T VALUES (6)\n",
        encoding="utf-8")
    catalog = read_catalog(tmp_path)
    assert [(f.line, f.message.split(": ", 1)[1]) for f in catalog.findings] == [
        (3, "Cannot insert explicit value for identity column in table 'dbo.T' when IDENTITY_INSERT is set to OFF."),
        (4, "An explicit value for the identity column in table 'dbo.T' can only be specified when a column list "
            "is used and IDENTITY_INSERT is ON."),
        (6, "An explicit value for the identity column in table 'dbo.T' can only be specified when a column list "
            "is used and IDENTITY_INSERT is ON."),
        (7, "Explicit value must be specified for identity column in table 'dbo.T' when IDENTITY_INSERT is set to ON."),
    ]
    assert catalog.data_for("dbo.t").rows == [["10", "5"], ["11", "6"]]
    assert catalog.data_for("dbo.t").dropped == 4


def test_values_from_the_batch_variables(tmp_path: Path):
    # WideWorldImportersDW's post-deployment "Unknown" members: VALUES built from DECLAREd constants
    (tmp_path / "post.sql").write_text(
        "CREATE TABLE Dimension.City ([City Key] int, City nvarchar(50), [Valid From] datetime2(7), [Valid To] datetime2(7))\nGO\n"
        "DECLARE @StartOfTime datetime2(7) = '20130101';\n"
        "DECLARE @EndOfTime datetime2(7) =  '99991231 23:59:59.9999999', @Name nvarchar(3) = N'Unknown';\n"
        "INSERT Dimension.City ([City Key], City, [Valid From], [Valid To]) VALUES (0, @Name, @StartOfTime, @EndOfTime);\n"
        "SET @Name = N'N/A'\n"
        "INSERT Dimension.City VALUES (1, @Name, @StartOfTime, NULL);\n"
        "GO\n"
        "INSERT Dimension.City VALUES (2, N'x', @StartOfTime, NULL);\n",  # a variable ends with its batch
        encoding="utf-8")
    catalog = read_catalog(tmp_path)
    assert catalog.data_for("dimension.city").rows == [
        ["0", "Unk", "2013-01-01 00:00:00.0000000", "9999-12-31 23:59:59.9999999"],  # DECLARE's conversion cuts
        ["1", "N/A", "2013-01-01 00:00:00.0000000", None],
    ]
    assert [(f.line, f.message) for f in catalog.findings] == [
        (9, "VALUES row with a non-literal value skipped: @StartOfTime")]
