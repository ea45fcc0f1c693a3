"""Build a small but realistic .dacpac in a tmp dir, and the T-SQL scripts of the same estate.

The model.xml follows the shape SqlPackage/SSDT write (namespace
http://schemas.microsoft.com/sqlserver/dac/Serialization/2012/02): tables with nested
columns and type specifiers, top-level constraints that point at their table through
`DefiningTable`, modules whose bodies hold only the text after `AS`, a scalar function
whose body sits in `FunctionBody` -> `SqlScriptFunctionImplementation` with a
`SysCommentsObjectAnnotation` header, `MS_Description` extended properties and the
database collation in `SqlDatabaseOptions`.

`EQUIVALENT_SCRIPT` is the same estate as a script file, written the way the dacpac
reader rebuilds module and table statements, so that both readers can be compared.
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from xml.etree import ElementTree
from xml.etree.ElementTree import Element, SubElement

NS = "http://schemas.microsoft.com/sqlserver/dac/Serialization/2012/02"
COLLATION = "Latin1_General_100_CS_AS"

VIEW_QUERY = """SELECT c.Name, o.Amount, dbo.fn_Double(o.Amount) AS Twice
FROM dbo.Customers AS c JOIN sales.Orders AS o ON o.CustomerID = c.CustomerID"""

PROCEDURE_BODY = """BEGIN
    SET NOCOUNT ON;
    INSERT INTO sales.Orders (OrderID, CustomerID, Amount)
    SELECT ISNULL(MAX(OrderID), 0) + 1, @CustomerID, @Amount FROM sales.Orders;
    UPDATE dbo.Customers SET Credit = Credit - @Amount WHERE CustomerID = @CustomerID;
    EXEC dbo.usp_Log @CustomerID;
END"""

LOG_BODY = "INSERT INTO dbo.AuditLog (Message) VALUES (CAST(@CustomerID AS nvarchar(20)))"

FUNCTION_HEADER = "CREATE FUNCTION dbo.fn_Double (@x money)\nRETURNS money\nAS"
FUNCTION_BODY = "BEGIN RETURN @x * 2 END"

TRIGGER_BODY = """INSERT INTO dbo.AuditLog (Message)
SELECT 'orders: ' + CAST(COUNT(*) AS varchar(10)) FROM sales.Orders"""

POSTDEPLOY = """\
/* Post-deployment script: reference data */
SET IDENTITY_INSERT dbo.Customers ON
INSERT INTO dbo.Customers (CustomerID, Name, Email, Credit) VALUES (1, N'Ann', NULL, 10.50), (2, N'O''Brien', 'ob@x', 0)
SET IDENTITY_INSERT dbo.Customers OFF
GO
INSERT sales.Orders VALUES (10, 1, 5.25)
"""

EQUIVALENT_SCRIPT = f"""\
CREATE SCHEMA [sales]
GO
CREATE TABLE [dbo].[Customers] (
    [CustomerID] int IDENTITY(1,1) NOT NULL,
    [Name] nvarchar(50) NOT NULL,
    [Email] varchar(max) NULL,
    [Credit] decimal(10,2) NOT NULL CONSTRAINT [DF_Customers_Credit] DEFAULT (0),
    [Created] datetime2(3) NULL CONSTRAINT [DF_Customers_Created] DEFAULT (getdate()),
    [Label] AS ([Name] + N'!'),
    CONSTRAINT [PK_Customers] PRIMARY KEY ([CustomerID]),
    CONSTRAINT [UQ_Customers_Name] UNIQUE ([Name])
)
GO
CREATE TABLE [sales].[Orders] (
    [OrderID] int NOT NULL,
    [CustomerID] int NOT NULL,
    [Amount] money NULL,
    CONSTRAINT [PK_Orders] PRIMARY KEY ([OrderID]),
    CONSTRAINT [FK_Orders_Customers] FOREIGN KEY ([CustomerID]) REFERENCES [dbo].[Customers] ([CustomerID]),
    CONSTRAINT [CK_Orders_Amount] CHECK ([Amount] >= 0)
)
GO
CREATE TABLE [dbo].[AuditLog] (
    [Message] nvarchar(200) NOT NULL
)
GO
CREATE NONCLUSTERED INDEX [IX_Orders_Customer] ON [sales].[Orders] ([CustomerID])
GO
CREATE VIEW [dbo].[vCustomerOrders]
AS
{VIEW_QUERY}
GO
CREATE PROCEDURE [dbo].[usp_AddOrder] @CustomerID int, @Amount money = 0
AS
{PROCEDURE_BODY}
GO
CREATE PROCEDURE [dbo].[usp_Log] @CustomerID int
AS
{LOG_BODY}
GO
{FUNCTION_HEADER}
{FUNCTION_BODY}
GO
CREATE TRIGGER [sales].[trg_Orders_Insert] ON [sales].[Orders] AFTER INSERT
AS
{TRIGGER_BODY}
GO
EXEC sys.sp_addextendedproperty @name = N'MS_Description', @value = N'People who buy',
    @level0type = N'SCHEMA', @level0name = N'dbo', @level1type = N'TABLE', @level1name = N'Customers'
GO
EXEC sys.sp_addextendedproperty @name = N'MS_Description', @value = N'Full name, as printed',
    @level0type = N'SCHEMA', @level0name = N'dbo', @level1type = N'TABLE', @level1name = N'Customers',
    @level2type = N'COLUMN', @level2name = N'Name'
GO
{POSTDEPLOY}"""


def _q(*parts: str) -> str:
    return ".".join(f"[{part}]" for part in parts)


def _tag(name: str) -> str:
    return f"{{{NS}}}{name}"


def _element(parent: Element, element_type: str, name: str | None = None) -> Element:
    attributes = {"Type": element_type} | ({"Name": name} if name else {})
    return SubElement(parent, _tag("Element"), attributes)


def _property(element: Element, name: str, value: str) -> None:
    SubElement(element, _tag("Property"), {"Name": name, "Value": value})


def _script(element: Element, name: str, text: str) -> None:
    """A script property: its text in a <Value> child (SSDT writes CDATA; the parsed text is the same)."""
    SubElement(SubElement(element, _tag("Property"), {"Name": name}), _tag("Value")).text = text


def _relationship(element: Element, name: str) -> Element:
    return SubElement(element, _tag("Relationship"), {"Name": name})


def _references(element: Element, relationship: str, *names: str, external: str | None = None) -> None:
    rel = _relationship(element, relationship)
    for name in names:
        attributes = {"Name": name} | ({"ExternalSource": external} if external else {})
        SubElement(SubElement(rel, _tag("Entry")), _tag("References"), attributes)


def _entry_element(rel: Element, element_type: str, name: str | None = None) -> Element:
    return _element(SubElement(rel, _tag("Entry")), element_type, name)


def _type(host: Element, relationship: str, type_name: str, **arguments: str) -> None:
    spec = _entry_element(_relationship(host, relationship), "SqlTypeSpecifier")
    for name, value in arguments.items():
        _property(spec, name, value)
    _references(spec, "Type", f"[{type_name}]", external="BuiltIns")


def _column(columns: Element, table: tuple[str, str], name: str, type_name: str, nullable: bool = True, identity: bool = False, **arguments: str) -> None:
    column = _entry_element(columns, "SqlSimpleColumn", _q(*table, name))
    if not nullable:
        _property(column, "IsNullable", "False")
    if identity:
        _property(column, "IsIdentity", "True")
    _type(column, "TypeSpecifier", type_name, **arguments)


def _table(model: Element, schema: str, name: str) -> Element:
    table = _element(model, "SqlTable", _q(schema, name))
    _references(table, "Schema", f"[{schema}]")
    return _relationship(table, "Columns")


def _key(model: Element, element_type: str, name: str, table: tuple[str, str], columns: list[str]) -> None:
    key = _element(model, element_type, _q(table[0], name))
    rel = _relationship(key, "ColumnSpecifications")
    for column in columns:
        _references(_entry_element(rel, "SqlIndexedColumnSpecification"), "Column", _q(*table, column))
    _references(key, "DefiningTable", _q(*table))


def _default(model: Element, name: str, table: tuple[str, str], column: str, script: str) -> None:
    default = _element(model, "SqlDefaultConstraint", _q(table[0], name))
    _script(default, "DefaultExpressionScript", script)
    _references(default, "DefiningTable", _q(*table))
    _references(default, "ForColumn", _q(*table, column))


def _description(model: Element, target: str, text: str) -> None:
    prop = _element(model, "SqlExtendedProperty", f"{target}.[MS_Description]")
    _script(prop, "Value", "N'" + text.replace("'", "''") + "'")


def _customers(model: Element) -> None:
    table = ("dbo", "Customers")
    columns = _table(model, *table)
    _column(columns, table, "CustomerID", "int", nullable=False, identity=True)
    _column(columns, table, "Name", "nvarchar", nullable=False, Length="50")
    _column(columns, table, "Email", "varchar", IsMax="True")
    _column(columns, table, "Credit", "decimal", nullable=False, Precision="10", Scale="2")
    _column(columns, table, "Created", "datetime2", Scale="3")
    computed = _entry_element(columns, "SqlComputedColumn", _q(*table, "Label"))
    _script(computed, "ExpressionScript", "([Name] + N'!')")
    _key(model, "SqlPrimaryKeyConstraint", "PK_Customers", table, ["CustomerID"])
    _key(model, "SqlUniqueConstraint", "UQ_Customers_Name", table, ["Name"])
    _default(model, "DF_Customers_Credit", table, "Credit", "((0))")
    _default(model, "DF_Customers_Created", table, "Created", "(getdate())")
    _description(model, "[SqlTable].[dbo].[Customers]", "People who buy")
    _description(model, "[SqlColumn].[dbo].[Customers].[Name]", "Full name, as printed")


def _orders(model: Element) -> None:
    table = ("sales", "Orders")
    columns = _table(model, *table)
    _column(columns, table, "OrderID", "int", nullable=False)
    _column(columns, table, "CustomerID", "int", nullable=False)
    _column(columns, table, "Amount", "money")
    _key(model, "SqlPrimaryKeyConstraint", "PK_Orders", table, ["OrderID"])
    foreign_key = _element(model, "SqlForeignKeyConstraint", "[sales].[FK_Orders_Customers]")
    _references(foreign_key, "Columns", "[sales].[Orders].[CustomerID]")
    _references(foreign_key, "DefiningTable", "[sales].[Orders]")
    _references(foreign_key, "ForeignColumns", "[dbo].[Customers].[CustomerID]")
    _references(foreign_key, "ForeignTable", "[dbo].[Customers]")
    check = _element(model, "SqlCheckConstraint", "[sales].[CK_Orders_Amount]")
    _script(check, "CheckExpressionScript", "([Amount] >= 0)")
    _references(check, "DefiningTable", "[sales].[Orders]")
    index = _element(model, "SqlIndex", "[sales].[Orders].[IX_Orders_Customer]")
    _references(_entry_element(_relationship(index, "ColumnSpecifications"), "SqlIndexedColumnSpecification"), "Column", "[sales].[Orders].[CustomerID]")
    _references(index, "IndexedObject", "[sales].[Orders]")


def _audit_log(model: Element) -> None:
    table = ("dbo", "AuditLog")
    _column(_table(model, *table), table, "Message", "nvarchar", nullable=False, Length="200")


def _modules(model: Element) -> None:
    view = _element(model, "SqlView", "[dbo].[vCustomerOrders]")
    _script(view, "QueryScript", VIEW_QUERY)
    _references(view, "Schema", "[dbo]")

    procedure = _element(model, "SqlProcedure", "[dbo].[usp_AddOrder]")
    _script(procedure, "BodyScript", "\n" + PROCEDURE_BODY + "\n")
    parameters = _relationship(procedure, "Parameters")
    customer = _entry_element(parameters, "SqlSubroutineParameter", "[dbo].[usp_AddOrder].[@CustomerID]")
    _type(customer, "Type", "int")
    amount = _entry_element(parameters, "SqlSubroutineParameter", "[dbo].[usp_AddOrder].[@Amount]")
    _script(amount, "DefaultExpressionScript", "0")
    _type(amount, "Type", "money")

    log = _element(model, "SqlProcedure", "[dbo].[usp_Log]")
    _script(log, "BodyScript", LOG_BODY)
    _type(_entry_element(_relationship(log, "Parameters"), "SqlSubroutineParameter", "[dbo].[usp_Log].[@CustomerID]"), "Type", "int")

    function = _element(model, "SqlScalarFunction", "[dbo].[fn_Double]")
    implementation = _entry_element(_relationship(function, "FunctionBody"), "SqlScriptFunctionImplementation")
    _script(implementation, "BodyScript", FUNCTION_BODY)
    annotation = SubElement(implementation, _tag("Annotation"), {"Type": "SysCommentsObjectAnnotation"})
    _property(annotation, "HeaderContents", FUNCTION_HEADER)
    x = _entry_element(_relationship(function, "Parameters"), "SqlSubroutineParameter", "[dbo].[fn_Double].[@x]")
    _type(x, "Type", "money")
    _type(function, "Type", "money")

    trigger = _element(model, "SqlDmlTrigger", "[sales].[trg_Orders_Insert]")
    _script(trigger, "BodyScript", TRIGGER_BODY)
    _property(trigger, "SqlTriggerType", "2")
    _property(trigger, "IsInsertTrigger", "True")
    _references(trigger, "Parent", "[sales].[Orders]")


def model_xml(extra_elements: str = "", collation: str | None = COLLATION) -> bytes:
    """The model.xml of the estate; `extra_elements` is XML appended inside <Model> (default namespace NS)."""
    root = Element(_tag("DataSchemaModel"), {"FileFormatVersion": "1.2", "SchemaVersion": "2.9", "DspName": "Microsoft.Data.Tools.Schema.Sql.Sql160DatabaseSchemaProvider"})
    model = SubElement(root, _tag("Model"))
    if collation:
        _property(_element(model, "SqlDatabaseOptions"), "Collation", collation)
    _element(model, "SqlSchema", "[sales]")
    _customers(model)
    _orders(model)
    _audit_log(model)
    _modules(model)
    if extra_elements:
        model.extend(ElementTree.fromstring(f'<Model xmlns="{NS}">{extra_elements}</Model>'))
    ElementTree.register_namespace("", NS)
    return ElementTree.tostring(root, encoding="utf-8", xml_declaration=True)


def build_dacpac(path: Path, postdeploy: str | None = POSTDEPLOY, extra_elements: str = "", collation: str | None = COLLATION) -> Path:
    """Write the estate as a .dacpac at `path` (a file name, or a folder to put `Estate.dacpac` in)."""
    path = path / "Estate.dacpac" if path.is_dir() else path
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr("model.xml", model_xml(extra_elements, collation))
        package.writestr("DacMetadata.xml", f'<?xml version="1.0" encoding="utf-8"?><DacType xmlns="{NS}"><Name>Estate</Name><Version>1.0.0.0</Version></DacType>')
        package.writestr("Origin.xml", f'<?xml version="1.0" encoding="utf-8"?><DacOrigin xmlns="{NS}"><PackageProperties><Version>3.1.0.0</Version></PackageProperties></DacOrigin>')
        if postdeploy is not None:
            package.writestr("postdeploy.sql", postdeploy.encode("utf-8-sig"))
    return path
