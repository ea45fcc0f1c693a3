"""The .dacpac catalog reader on a small dacpac built in tmp_path (tests/catalog/dacpac_fixture.py)."""

import sys
import zipfile
from dataclasses import asdict
from pathlib import Path
from xml.etree import ElementTree

import pytest

from migrator_pipeline.catalog.dacpac import read_dacpac
from migrator_pipeline.catalog.dacpac_xml import NAMESPACE, type_text
from migrator_pipeline.catalog.model import DEFAULT_COLLATION, Column, Finding, ForeignKey, SourceError, TableData
from migrator_pipeline.catalog.scripts import read_catalog
from migrator_pipeline.catalog.stored_rows import READ_TIME

sys.path.insert(0, str(Path(__file__).parent))
from dacpac_fixture import COLLATION, EQUIVALENT_SCRIPT, FUNCTION_BODY, PROCEDURE_BODY, TRIGGER_BODY, VIEW_QUERY, build_dacpac, model_xml  # noqa: E402


@pytest.fixture
def catalog(tmp_path: Path):
    return read_dacpac(build_dacpac(tmp_path))


def test_tables_columns_keys_and_descriptions(catalog) -> None:
    customers = catalog.get("dbo.customers")
    assert (customers.schema, customers.name, customers.kind, customers.file) == ("dbo", "Customers", "table", "model.xml")
    assert customers.columns == [
        Column("CustomerID", "int", nullable=False, identity=True),
        Column("Name", "nvarchar(50)", nullable=False, description="Full name, as printed"),
        Column("Email", "varchar(max)", nullable=True),
        Column("Credit", "decimal(10,2)", nullable=False, default="0"),
        Column("Created", "datetime2(3)", nullable=True, default="getdate()"),
        Column("Label", "", computed="[Name] + N'!'"),
    ]
    assert customers.primary_key == ["CustomerID"]
    assert customers.unique_keys == [["Name"]]
    assert customers.foreign_keys == []
    assert customers.description == "People who buy"
    orders = catalog.get("sales.orders")
    assert [(c.name, c.data_type, c.nullable) for c in orders.columns] == [
        ("OrderID", "int", False),
        ("CustomerID", "int", False),
        ("Amount", "money", True),
    ]
    assert orders.primary_key == ["OrderID"]
    assert orders.foreign_keys == [ForeignKey(["CustomerID"], "dbo", "Customers", ["CustomerID"], "FK_Orders_Customers")]
    assert orders.body == (
        "CREATE TABLE [sales].[Orders] (\n"
        "    [OrderID] int NOT NULL,\n"
        "    [CustomerID] int NOT NULL,\n"
        "    [Amount] money NULL,\n"
        "    CONSTRAINT [PK_Orders] PRIMARY KEY ([OrderID]),\n"
        "    CONSTRAINT [FK_Orders_Customers] FOREIGN KEY ([CustomerID]) REFERENCES [dbo].[Customers] ([CustomerID]),\n"
        "    CONSTRAINT [CK_Orders_Amount] CHECK ([Amount] >= 0)\n"
        ")"
    )


def test_modules_bodies_parameters_and_dependencies(catalog) -> None:
    modules = {o.key: o for o in catalog.objects if o.kind in ("view", "procedure", "function", "trigger")}
    assert list(modules) == ["dbo.vcustomerorders", "dbo.usp_addorder", "dbo.usp_log", "dbo.fn_double", "sales.trg_orders_insert"]
    view = modules["dbo.vcustomerorders"]
    assert view.body == f"CREATE VIEW [dbo].[vCustomerOrders]\nAS\n{VIEW_QUERY}"
    assert (view.reads, view.writes, view.calls) == (["dbo.customers", "sales.orders"], [], ["dbo.fn_double"])
    procedure = modules["dbo.usp_addorder"]
    assert procedure.body == f"CREATE PROCEDURE [dbo].[usp_AddOrder] @CustomerID int, @Amount money = 0\nAS\n{PROCEDURE_BODY}"
    assert procedure.parameters == [["@CustomerID", "int"], ["@Amount", "money"]]
    assert (procedure.reads, procedure.writes, procedure.calls) == (["sales.orders"], ["sales.orders", "dbo.customers"], ["dbo.usp_log"])
    function = modules["dbo.fn_double"]
    # the header comes from the SysCommentsObjectAnnotation, as written
    assert function.body == f"CREATE FUNCTION dbo.fn_Double (@x money)\nRETURNS money\nAS\n{FUNCTION_BODY}"
    assert (function.function_kind, function.parameters) == ("scalar", [["@x", "money"]])
    trigger = modules["sales.trg_orders_insert"]
    assert trigger.body == f"CREATE TRIGGER [sales].[trg_Orders_Insert] ON [sales].[Orders] AFTER INSERT\nAS\n{TRIGGER_BODY}"
    assert (trigger.reads, trigger.writes, trigger.calls) == (["sales.orders"], ["dbo.auditlog"], [])


def test_recorded_kinds_collation_data_and_no_findings(catalog) -> None:
    recorded = [(o.key, o.kind, o.body) for o in catalog.objects if o.kind in ("schema", "index")]
    assert recorded == [
        ("sales.sales", "schema", "CREATE SCHEMA [sales]"),
        ("sales.orders.ix_orders_customer", "index", "CREATE NONCLUSTERED INDEX [IX_Orders_Customer] ON [sales].[Orders] ([CustomerID])"),
    ]
    assert catalog.collation == COLLATION
    # stored as SQL Server stores them: at the column's scale, the omitted Created by its DEFAULT (getdate())
    created = READ_TIME.isoformat(" ", "milliseconds")
    assert catalog.data == [
        TableData("dbo.customers", ["CustomerID", "Name", "Email", "Credit", "Created"],
                  [["1", "Ann", None, "10.50", created], ["2", "O'Brien", "ob@x", "0.00", created]],
                  "postdeploy.sql", [[0, "postdeploy.sql"]], [3, 3]),
        # no column list: the columns come from the table in model.xml
        TableData("sales.orders", ["OrderID", "CustomerID", "Amount"], [["10", "1", "5.2500"]],
                  "postdeploy.sql", [[0, "postdeploy.sql"]], [6]),
    ]
    assert catalog.findings == []


def test_same_catalog_as_the_equivalent_scripts(tmp_path: Path, catalog) -> None:
    (tmp_path / "scripts").mkdir()
    (tmp_path / "scripts" / "estate.sql").write_text(EQUIVALENT_SCRIPT, encoding="utf-8")
    scripted = read_catalog(tmp_path / "scripts")

    def comparable(catalog) -> list[dict]:
        # where the text was read differs by nature, and so does the order objects are listed in
        objects = sorted(catalog.objects, key=lambda o: o.key)
        return [{k: v for k, v in asdict(o).items() if k not in ("file", "line")} for o in objects]

    assert comparable(catalog) == comparable(scripted)
    assert catalog.findings == scripted.findings == []
    assert [(d.table, d.columns, d.rows) for d in catalog.data] == [(d.table, d.columns, d.rows) for d in scripted.data]


TYPE_CASES = [
    ('<Property Name="Length" Value="50"/>', "nvarchar", "nvarchar(50)"),
    ('<Property Name="IsMax" Value="True"/>', "varchar", "varchar(max)"),
    ('<Property Name="Precision" Value="10"/><Property Name="Scale" Value="2"/>', "decimal", "decimal(10,2)"),
    ('<Property Name="Precision" Value="12"/>', "numeric", "numeric(12)"),
    ('<Property Name="Scale" Value="3"/>', "datetime2", "datetime2(3)"),
    ('<Property Name="Precision" Value="27"/><Property Name="Scale" Value="7"/>', "time", "time(7)"),
    ('<Property Name="Precision" Value="53"/>', "float", "float(53)"),
    ("", "int", "int"),
    ("", "UNIQUEIDENTIFIER", "uniqueidentifier"),
]


@pytest.mark.parametrize(("properties", "type_name", "expected"), TYPE_CASES)
def test_type_spelling(properties: str, type_name: str, expected: str) -> None:
    column = ElementTree.fromstring(
        f'<Element xmlns="{NAMESPACE}" Type="SqlSimpleColumn"><Relationship Name="TypeSpecifier"><Entry>'
        f'<Element Type="SqlTypeSpecifier">{properties}<Relationship Name="Type"><Entry>'
        f'<References ExternalSource="BuiltIns" Name="[{type_name}]"/></Entry></Relationship></Element>'
        "</Entry></Relationship></Element>"
    )
    assert type_text(column) == expected


def test_user_defined_type_reference() -> None:
    parameter = ElementTree.fromstring(
        f'<Element xmlns="{NAMESPACE}" Type="SqlSubroutineParameter" Name="[dbo].[p].[@phone]">'
        '<Relationship Name="Type"><Entry><References Name="[dbo].[Phone]"/></Entry></Relationship></Element>'
    )
    assert type_text(parameter) == "dbo.phone"


MODULES_WITHOUT_HEADERS = """
<Element Type="SqlProcedure" Name="[dbo].[usp_Count]">
  <Property Name="BodyScript"><Value>SELECT @n = COUNT(*) FROM dbo.Customers</Value></Property>
  <Relationship Name="Parameters">
    <Entry><Element Type="SqlSubroutineParameter" Name="[dbo].[usp_Count].[@n]">
      <Property Name="IsOutput" Value="True"/>
      <Relationship Name="Type"><Entry><Element Type="SqlTypeSpecifier">
        <Relationship Name="Type"><Entry><References ExternalSource="BuiltIns" Name="[int]"/></Entry></Relationship>
      </Element></Entry></Relationship>
    </Element></Entry>
  </Relationship>
</Element>
<Element Type="SqlInlineTableValuedFunction" Name="[sales].[tvf_OrdersOf]">
  <Property Name="BodyScript"><Value>(SELECT OrderID FROM sales.Orders WHERE CustomerID = @c)</Value></Property>
  <Relationship Name="Parameters">
    <Entry><Element Type="SqlSubroutineParameter" Name="[sales].[tvf_OrdersOf].[@c]">
      <Relationship Name="Type"><Entry><Element Type="SqlTypeSpecifier">
        <Relationship Name="Type"><Entry><References ExternalSource="BuiltIns" Name="[int]"/></Entry></Relationship>
      </Element></Entry></Relationship>
    </Element></Entry>
  </Relationship>
</Element>
<Element Type="SqlMultiStatementTableValuedFunction" Name="[dbo].[tvf_Big]">
  <Property Name="BodyScript"><Value>BEGIN INSERT INTO @result SELECT OrderID FROM sales.Orders RETURN END</Value></Property>
  <Relationship Name="Columns">
    <Entry><Element Type="SqlSimpleColumn" Name="[dbo].[tvf_Big].[OrderID]">
      <Relationship Name="TypeSpecifier"><Entry><Element Type="SqlTypeSpecifier">
        <Relationship Name="Type"><Entry><References ExternalSource="BuiltIns" Name="[int]"/></Entry></Relationship>
      </Element></Entry></Relationship>
    </Element></Entry>
  </Relationship>
</Element>
<Element Type="SqlExtendedProperty" Name="[SqlProcedure].[dbo].[usp_Count].[MS_Description]">
  <Property Name="Value"><Value>N'Counts customers'</Value></Property>
</Element>
"""


def test_module_headers_rebuilt_from_the_xml(tmp_path: Path) -> None:
    catalog = read_dacpac(build_dacpac(tmp_path, extra_elements=MODULES_WITHOUT_HEADERS))
    rebuilt = [(o.key, o.body, o.function_kind, o.parameters, o.reads, o.writes, o.description) for o in catalog.objects[-5:-2]]
    assert rebuilt == [
        (
            "dbo.usp_count",
            "CREATE PROCEDURE [dbo].[usp_Count] @n int OUTPUT\nAS\nSELECT @n = COUNT(*) FROM dbo.Customers",
            None,
            [["@n", "int"]],
            ["dbo.customers"],
            [],
            "Counts customers",
        ),
        (
            "sales.tvf_ordersof",
            "CREATE FUNCTION [sales].[tvf_OrdersOf](@c int)\nRETURNS TABLE\nAS\nRETURN (SELECT OrderID FROM sales.Orders WHERE CustomerID = @c)",
            "table",
            [["@c", "int"]],
            ["sales.orders"],
            [],
            None,
        ),
        (
            "dbo.tvf_big",
            "CREATE FUNCTION [dbo].[tvf_Big]()\nRETURNS @result TABLE ([OrderID] int)\nAS\nBEGIN INSERT INTO @result SELECT OrderID FROM sales.Orders RETURN END",
            "table",
            [],
            ["sales.orders"],
            [],
            None,
        ),
    ]
    assert catalog.findings == []


RECORDED_ELEMENTS = """
<Element Type="SqlSequence" Name="[dbo].[OrderNumbers]">
  <Property Name="StartValue" Value="1000"/><Property Name="IncrementValue" Value="5"/>
  <Relationship Name="TypeSpecifier"><Entry><Element Type="SqlTypeSpecifier">
    <Relationship Name="Type"><Entry><References ExternalSource="BuiltIns" Name="[bigint]"/></Entry></Relationship>
  </Element></Entry></Relationship>
</Element>
<Element Type="SqlSynonym" Name="[dbo].[Clients]">
  <Relationship Name="ForObject"><Entry><References Name="[dbo].[Customers]"/></Entry></Relationship>
</Element>
<Element Type="SqlUserDefinedDataType" Name="[dbo].[Phone]">
  <Property Name="IsNullable" Value="False"/><Property Name="Length" Value="20"/>
  <Relationship Name="Type"><Entry><References ExternalSource="BuiltIns" Name="[varchar]"/></Entry></Relationship>
</Element>
<Element Type="SqlRole" Name="[reporting]"/>
<Element Type="SqlRole" Name="[auditors]"/>
<Element Type="SqlPermissionStatement"/>
"""


def test_recorded_kinds_and_unknown_elements(tmp_path: Path) -> None:
    catalog = read_dacpac(build_dacpac(tmp_path, extra_elements=RECORDED_ELEMENTS))
    assert [(o.key, o.kind, o.body) for o in catalog.objects[-3:]] == [
        ("dbo.ordernumbers", "sequence", "CREATE SEQUENCE [dbo].[OrderNumbers] AS bigint START WITH 1000 INCREMENT BY 5"),
        ("dbo.clients", "synonym", "CREATE SYNONYM [dbo].[Clients] FOR [dbo].[Customers]"),
        ("dbo.phone", "type", "CREATE TYPE [dbo].[Phone] FROM varchar(20) NOT NULL"),
    ]
    assert catalog.findings == [
        Finding("info", "1 SqlPermissionStatement element(s) not read: unnamed", "model.xml"),
        Finding("info", "2 SqlRole element(s) not read: [reporting], [auditors]", "model.xml"),
    ]


def test_defaults_without_collation_or_postdeploy(tmp_path: Path) -> None:
    catalog = read_dacpac(build_dacpac(tmp_path, postdeploy=None, collation=None))
    assert catalog.collation == DEFAULT_COLLATION
    assert catalog.data == []
    assert len(catalog.objects) == 10


def test_postdeploy_problems_become_findings(tmp_path: Path) -> None:
    postdeploy = "INSERT INTO dbo.AuditLog (Message) VALUES (N'ok')\nGO\nINSERT INTO dbo.AuditLog (Message) VALUES (@message)\n"
    catalog = read_dacpac(build_dacpac(tmp_path, postdeploy=postdeploy))
    assert catalog.data == [TableData("dbo.auditlog", ["Message"], [["ok"]], "postdeploy.sql", [[0, "postdeploy.sql"]], [1], dropped=1)]
    assert catalog.findings == [Finding("warning", "VALUES row with a non-literal value skipped: @message", "postdeploy.sql", 3)]


BROKEN_REFERENCES = """
<Element Type="SqlDefaultConstraint" Name="[dbo].[DF_Ghost]">
  <Property Name="DefaultExpressionScript"><Value>(1)</Value></Property>
  <Relationship Name="DefiningTable"><Entry><References Name="[dbo].[Ghost]"/></Entry></Relationship>
</Element>
<Element Type="SqlProcedure" Name="[dbo].[usp_Broken]">
  <Property Name="BodyScript"><Value>BEGIN SELECT 1</Value></Property>
</Element>
<Element Type="SqlView" Name="[dbo].[vNoBody]"/>
"""


def test_broken_elements_become_findings(tmp_path: Path) -> None:
    catalog = read_dacpac(build_dacpac(tmp_path, extra_elements=BROKEN_REFERENCES))
    assert catalog.get("dbo.usp_broken").body == "CREATE PROCEDURE [dbo].[usp_Broken]\nAS\nBEGIN SELECT 1"
    assert catalog.get("dbo.vnobody") is None
    assert [(f.severity, f.file, f.object) for f in catalog.findings] == [
        ("warning", "model.xml", "dbo.vNoBody"),
        ("warning", "model.xml", None),
        ("error", "model.xml", "dbo.usp_Broken"),
    ]
    assert catalog.findings[0].message == "dbo.vNoBody: SqlView without a body script ignored"
    assert catalog.findings[1].message == "[dbo].[DF_Ghost]: constraint of an unknown table [dbo].[Ghost] ignored"


def _zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as package:
        for name, content in members.items():
            package.writestr(name, content)
    return path


UNUSABLE = [
    ("missing", None, "source not found"),
    ("not a zip", b"this is not a zip file", "not a .dacpac (zip) file"),
    ("no model.xml", {"DacMetadata.xml": b"<DacType/>"}, "the zip holds no model.xml"),
    ("malformed xml", {"model.xml": b"<DataSchemaModel><Model>"}, "malformed model.xml: no element found: line 1, column 24"),
    ("no Model element", {"model.xml": b"<DataSchemaModel/>"}, "model.xml has no <Model> element"),
    ("doctype", {"model.xml": b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "a">]><x/>'}, "declares a DOCTYPE"),
]


@pytest.mark.parametrize(("case", "content", "message"), UNUSABLE, ids=[c[0] for c in UNUSABLE])
def test_unusable_files_raise_source_error(tmp_path: Path, case: str, content, message: str) -> None:
    path = tmp_path / "Estate.dacpac"
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif isinstance(content, dict):
        _zip(path, content)
    with pytest.raises(SourceError, match=message.replace("(", r"\(").replace(")", r"\)").replace(".", r"\.")):
        read_dacpac(path)


def test_model_xml_is_in_the_documented_namespace() -> None:
    root = ElementTree.fromstring(model_xml())
    assert root.tag == f"{{{NAMESPACE}}}DataSchemaModel"
    types = [e.get("Type") for e in root.find(f"{{{NAMESPACE}}}Model")]
    assert types.count("SqlTable") == 3 and "SqlDatabaseOptions" in types


HEADER_WITHOUT_SCHEMA = """
<Element Type="SqlProcedure" Name="[sales].[usp_Touch]">
  <Property Name="BodyScript"><Value>UPDATE sales.Orders SET Amount = Amount</Value></Property>
  <Annotation Type="SysCommentsObjectAnnotation"><Property Name="HeaderContents" Value="CREATE PROCEDURE usp_Touch AS"/></Annotation>
</Element>
"""


def test_header_annotation_is_used_as_written_and_the_xml_name_wins(tmp_path: Path) -> None:
    catalog = read_dacpac(build_dacpac(tmp_path, extra_elements=HEADER_WITHOUT_SCHEMA))
    touch = catalog.get("sales.usp_touch")
    assert (touch.body, touch.writes, touch.reads) == ("CREATE PROCEDURE usp_Touch AS\nUPDATE sales.Orders SET Amount = Amount", ["sales.orders"], [])
    assert catalog.get("dbo.usp_touch") is None
