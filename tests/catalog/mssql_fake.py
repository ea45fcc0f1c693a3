"""A DB-API 2.0 fake of a SQL Server database, for the live catalog reader's tests.

It answers the reader's catalog queries (dispatched on the exact query text) with rows shaped
like SQL Server's catalog views return them: `sys.objects.type` is char(2) and so padded
(`'U '`), nvarchar lengths are in bytes, defaults and computed columns come wrapped in
parentheses, module text has CRLF line endings, bit columns come back as bool. Data SELECTs
(`SELECT [TOP n] [a], [b] FROM [schema].[table]`, or `SELECT *`, also of a view) are answered
from in-memory rows.
Every SQL text executed is recorded in `FakeConnection.executed`.

The estate: dbo.Customers (identity, PK, UNIQUE, defaults, computed column, alias-typed column,
descriptions), dbo.Orders (system-named FK, index, data rows, a CHECK, a disabled and an untrusted one), Sales.OrderTotals (named FK),
a view, a procedure with a parameter, a scalar function, a trigger, a CLR procedure, a
sequence, two synonyms, an alias type and the Sales schema.

`connect_dacpac_estate()` is another estate: the one `dacpac_fixture` builds, as deployed.
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

import sqlglot
from dacpac_fixture import FUNCTION_BODY, FUNCTION_HEADER, LOG_BODY, PROCEDURE_BODY, TRIGGER_BODY, VIEW_QUERY
from sqlglot import exp

from migrator_pipeline.catalog import live


def _check(table: int, column_id: int, name: str, system_named: bool, definition: str, *,
           disabled: bool = False, trusted: bool = True) -> dict:
    """A sys.check_constraints row: column 0 for a table-level check."""
    return {"parent_object_id": table, "parent_column_id": column_id, "name": name, "is_system_named": system_named,
            "definition": definition, "is_disabled": disabled, "is_not_trusted": not trusted}


class Error(Exception):
    """The DB-API base error class of the fake."""


class ProgrammingError(Error):
    pass


CUSTOMERS, ORDERS, ORDER_TOTALS = 581577110, 613577224, 645577338
VIEW, PROCEDURE, FUNCTION, TRIGGER, CLR_PROCEDURE = 677577452, 709577566, 741577680, 773577794, 837578022
SEQUENCE, SYNONYM, ARCHIVE_SYNONYM = 805577908, 869578136, 901578250

VIEW_TEXT = (
    "CREATE VIEW dbo.vCustomerOrders\r\nAS\r\n"
    "SELECT c.Name, o.Amount, dbo.fn_Double(o.Amount) AS Twice\r\n"
    "FROM dbo.Customers AS c JOIN dbo.Orders AS o ON o.CustomerID = c.CustomerID\r\n"
)
PROCEDURE_TEXT = (
    "CREATE PROCEDURE [dbo].[LoadTotals] @since date\r\nAS\r\nBEGIN\r\n"
    "    SET NOCOUNT ON;\r\n"
    "    IF NOT EXISTS (SELECT 1 FROM dbo.Customers) RETURN;\r\n"
    "    TRUNCATE TABLE Sales.OrderTotals;\r\n"
    "    INSERT INTO Sales.OrderTotals (CustomerID, Total)\r\n"
    "    SELECT CustomerID, SUM(Amount) FROM dbo.Orders WHERE PlacedAt >= @since GROUP BY CustomerID;\r\n"
    "    EXEC dbo.LogIt 'done';\r\n"
    "END\r\n"
)
FUNCTION_TEXT = "CREATE FUNCTION dbo.fn_Double (@x money)\r\nRETURNS money\r\nAS\r\nBEGIN\r\n    RETURN @x * 2\r\nEND\r\n"
TRIGGER_TEXT = (
    "CREATE TRIGGER dbo.trg_Orders_Audit ON dbo.Orders AFTER INSERT\r\nAS\r\nBEGIN\r\n"
    "    UPDATE dbo.Customers SET Credit = Credit - 1 WHERE Credit > 0\r\nEND\r\n"
)


def _object(object_id: int, schema: str, name: str, code: str, desc: str, parent: int = 0) -> dict:
    return {"object_id": object_id, "schema_name": schema, "name": name, "type": code, "type_desc": desc, "parent_object_id": parent}


def _column(object_id, column_id, name, type_name, max_length, precision, scale, nullable, user_defined=False, system_type=None):
    return {
        "object_id": object_id, "column_id": column_id, "name": name, "type_name": type_name,
        "is_user_defined": user_defined, "system_type_name": system_type if user_defined else type_name,
        "max_length": max_length, "precision": precision, "scale": scale, "is_nullable": nullable,
    }


def _parameter(object_id, parameter_id, name, type_name, max_length, precision, scale):
    return {
        "object_id": object_id, "parameter_id": parameter_id, "name": name, "type_name": type_name,
        "is_user_defined": False, "system_type_name": type_name, "max_length": max_length,
        "precision": precision, "scale": scale,
    }


def _dependency(referencing, referenced, schema, entity):
    return {
        "referencing_id": referencing, "referenced_id": referenced, "referenced_server_name": None,
        "referenced_database_name": None, "referenced_schema_name": schema, "referenced_entity_name": entity,
    }


def _index_column(name, descending, included):
    return {
        "object_id": ORDERS, "index_id": 2, "name": "IX_Orders_CustomerID", "type_desc": "NONCLUSTERED",
        "is_unique": False, "filter_definition": None, "is_descending_key": descending,
        "is_included_column": included, "column_name": name,
    }


def estate_catalog_rows() -> dict[str, list[dict]]:
    """The rows each catalog query returns for the small estate, as SQL Server returns them."""
    return {
        live.COLLATION_QUERY: [{"collation_name": "Latin1_General_100_CI_AS_SC_UTF8"}],
        live.OBJECTS_QUERY: [
            _object(CLR_PROCEDURE, "dbo", "ClrExport", "PC", "CLR_STORED_PROCEDURE"),
            _object(SYNONYM, "dbo", "Clients", "SN", "SYNONYM"),
            _object(CUSTOMERS, "dbo", "Customers", "U ", "USER_TABLE"),
            _object(FUNCTION, "dbo", "fn_Double", "FN", "SQL_SCALAR_FUNCTION"),
            _object(PROCEDURE, "dbo", "LoadTotals", "P ", "SQL_STORED_PROCEDURE"),
            _object(SEQUENCE, "dbo", "OrderNumbers", "SO", "SEQUENCE_OBJECT"),
            _object(ORDERS, "dbo", "Orders", "U ", "USER_TABLE"),
            _object(TRIGGER, "dbo", "trg_Orders_Audit", "TR", "SQL_TRIGGER", ORDERS),
            _object(VIEW, "dbo", "vCustomerOrders", "V ", "VIEW"),
            _object(ARCHIVE_SYNONYM, "Sales", "Archive", "SN", "SYNONYM"),
            _object(ORDER_TOTALS, "Sales", "OrderTotals", "U ", "USER_TABLE"),
        ],
        live.MODULES_QUERY: [
            {"object_id": VIEW, "definition": VIEW_TEXT},
            {"object_id": PROCEDURE, "definition": PROCEDURE_TEXT},
            {"object_id": FUNCTION, "definition": FUNCTION_TEXT},
            {"object_id": TRIGGER, "definition": TRIGGER_TEXT},
        ],
        live.COLUMNS_QUERY: [
            _column(CUSTOMERS, 1, "CustomerID", "int", 4, 10, 0, False),
            _column(CUSTOMERS, 2, "Name", "nvarchar", 100, 0, 0, False),
            _column(CUSTOMERS, 3, "Email", "varchar", -1, 0, 0, True),
            _column(CUSTOMERS, 4, "Credit", "decimal", 9, 10, 2, False),
            _column(CUSTOMERS, 5, "Created", "datetime2", 7, 23, 3, True),
            _column(CUSTOMERS, 6, "Phone", "Phone", 40, 0, 0, True, user_defined=True, system_type="nvarchar"),
            _column(CUSTOMERS, 7, "Label", "nvarchar", 102, 0, 0, True),
            _column(ORDERS, 1, "OrderID", "int", 4, 10, 0, False),
            _column(ORDERS, 2, "CustomerID", "int", 4, 10, 0, False),
            _column(ORDERS, 3, "Amount", "money", 8, 19, 4, True),
            _column(ORDERS, 4, "Paid", "bit", 1, 1, 0, False),
            _column(ORDERS, 5, "Receipt", "varbinary", 16, 0, 0, True),
            _column(ORDERS, 6, "Token", "uniqueidentifier", 16, 0, 0, True),
            _column(ORDERS, 7, "PlacedAt", "datetime2", 8, 27, 7, True),
            _column(ORDER_TOTALS, 1, "CustomerID", "int", 4, 10, 0, False),
            _column(ORDER_TOTALS, 2, "Total", "decimal", 9, 19, 4, True),
        ],
        live.IDENTITY_QUERY: [{"object_id": CUSTOMERS, "column_id": 1}],
        live.COMPUTED_QUERY: [{"object_id": CUSTOMERS, "column_id": 7, "definition": "([Name]+N'!')"}],
        live.DEFAULTS_QUERY: [
            {"parent_object_id": CUSTOMERS, "parent_column_id": 4, "definition": "((0))"},
            {"parent_object_id": CUSTOMERS, "parent_column_id": 5, "definition": "(getdate())"},
            {"parent_object_id": ORDERS, "parent_column_id": 4, "definition": "((0))"},
        ],
        live.KEYS_QUERY: [
            {"parent_object_id": CUSTOMERS, "object_id": 1, "type": "PK", "key_ordinal": 1, "column_name": "CustomerID"},
            {"parent_object_id": CUSTOMERS, "object_id": 2, "type": "UQ", "key_ordinal": 1, "column_name": "Name"},
            {"parent_object_id": CUSTOMERS, "object_id": 3, "type": "UQ", "key_ordinal": 1, "column_name": "Phone"},
            {"parent_object_id": CUSTOMERS, "object_id": 3, "type": "UQ", "key_ordinal": 2, "column_name": "Created"},
            {"parent_object_id": ORDERS, "object_id": 4, "type": "PK", "key_ordinal": 1, "column_name": "OrderID"},
            {"parent_object_id": ORDER_TOTALS, "object_id": 5, "type": "PK", "key_ordinal": 1, "column_name": "CustomerID"},
        ],
        live.FOREIGN_KEYS_QUERY: [
            {"parent_object_id": ORDERS, "object_id": 6, "name": "FK__Orders__Custome__3B75D760", "is_system_named": True,
             "column_name": "CustomerID", "ref_schema": "dbo", "ref_table": "Customers", "ref_column": "CustomerID"},
            {"parent_object_id": ORDER_TOTALS, "object_id": 7, "name": "FK_OrderTotals_Customers", "is_system_named": False,
             "column_name": "CustomerID", "ref_schema": "dbo", "ref_table": "Customers", "ref_column": "CustomerID"},
        ],
        live.CHECKS_QUERY: [
            _check(ORDERS, 1, "CK__Orders__OrderID__3C69FB99", True, "([OrderID]>(0))"),
            _check(ORDERS, 0, "CK_Orders_Paid", False, "([Paid]=(1) OR [Amount] IS NULL)", disabled=True),
            _check(ORDERS, 3, "CK_Orders_Amount", False, "([Amount]>=(0))", trusted=False),
        ],
        live.DESCRIPTIONS_QUERY: [
            {"major_id": CUSTOMERS, "minor_id": 0, "description": "People who buy"},
            {"major_id": CUSTOMERS, "minor_id": 2, "description": "Full name"},
            {"major_id": PROCEDURE, "minor_id": 0, "description": "Rebuilds the totals"},
        ],
        live.PARAMETERS_QUERY: [
            _parameter(PROCEDURE, 1, "@since", "date", 3, 10, 0),
            _parameter(FUNCTION, 1, "@x", "money", 8, 19, 4),
        ],
        live.EXPRESSION_DEPENDENCIES_QUERY: [
            _dependency(VIEW, CUSTOMERS, "dbo", "Customers"),
            _dependency(VIEW, ORDERS, "dbo", "Orders"),
            _dependency(VIEW, FUNCTION, "dbo", "fn_Double"),
            # in the IF condition, which the body parse keeps as text
            _dependency(PROCEDURE, CUSTOMERS, "dbo", "Customers"),
            _dependency(PROCEDURE, ORDER_TOTALS, "Sales", "OrderTotals"),
            _dependency(PROCEDURE, ORDERS, "dbo", "Orders"),
            _dependency(PROCEDURE, None, "dbo", "LogIt"),  # not created yet: unresolved
            _dependency(TRIGGER, CUSTOMERS, "dbo", "Customers"),
        ],
        live.SCHEMAS_QUERY: [{"schema_id": 5, "name": "Sales"}],
        live.INDEXES_QUERY: [_index_column("CustomerID", False, False), _index_column("Amount", False, True)],
        live.SEQUENCES_QUERY: [
            {"schema_name": "dbo", "name": "OrderNumbers", "type_name": "bigint", "start_value": "1000", "increment": "1"},
        ],
        live.SYNONYMS_QUERY: [
            {"schema_name": "dbo", "name": "Clients", "base_object_name": "[dbo].[Customers]"},
            {"schema_name": "Sales", "name": "Archive", "base_object_name": "[ArchiveDb].[dbo].[Orders]"},
        ],
        live.TYPES_QUERY: [
            {"schema_name": "dbo", "name": "Phone", "system_type_name": "nvarchar", "max_length": 40,
             "precision": 0, "scale": 0, "is_nullable": False, "is_table_type": False},
        ],
    }


TOKEN = uuid.UUID("6f9619ff-8b86-d011-b42d-00c04fc964ff")


def estate_tables() -> dict[str, list[dict]]:
    """Table rows by object key, with the Python values pyodbc returns for each SQL Server type."""
    orders = [
        {"OrderID": 1, "CustomerID": 1, "Amount": Decimal("12.5000"), "Paid": True, "Receipt": b"\x0a\xff",
         "Token": TOKEN, "PlacedAt": dt.datetime(2024, 1, 2, 3, 4, 5, 120000)},
        {"OrderID": 2, "CustomerID": 1, "Amount": None, "Paid": False, "Receipt": None,
         "Token": "0E984725-C51C-4BF4-9960-E1C80E27ABA0", "PlacedAt": None},
        {"OrderID": 3, "CustomerID": 2, "Amount": Decimal("1E+2"), "Paid": False, "Receipt": b"",
         "Token": None, "PlacedAt": dt.datetime(2024, 2, 29, 0, 0)},
        {"OrderID": 4, "CustomerID": 2, "Amount": Decimal("-0.0100"), "Paid": True, "Receipt": None,
         "Token": None, "PlacedAt": None},
        {"OrderID": 5, "CustomerID": 3, "Amount": Decimal("7.0000"), "Paid": True, "Receipt": None,
         "Token": None, "PlacedAt": None},
    ]
    return {"dbo.orders": orders, "sales.ordertotals": []}


def _select_names(query: str) -> list[str]:
    return sqlglot.parse_one(query, read="tsql").named_selects


class FakeCursor:
    def __init__(self, connection: FakeConnection) -> None:
        self.connection = connection
        self.description: list[tuple] | None = None
        self._rows: list[tuple] = []
        self.closed = False

    def execute(self, sql: str, *params: Any) -> FakeCursor:
        if self.closed or self.connection.closed:
            raise ProgrammingError("Attempt to use a closed cursor.")
        self.connection.executed.append(sql)
        if sql in self.connection.failing:
            raise ProgrammingError(self.connection.failing[sql])
        if sql in self.connection.catalog_rows:
            self._answer(_select_names(sql), self.connection.catalog_rows[sql])
        else:
            self._answer_data(sql)
        return self

    def _answer(self, names: list[str], rows: list[dict]) -> None:
        for row in rows:
            if set(row) != set(names):  # the fake's rows must have exactly the query's shape
                raise AssertionError(f"fake row keys {sorted(row)} differ from the query's columns {sorted(names)}")
        self._rows = [tuple(row[name] for name in names) for row in rows]
        self.description = [(name, str, None, None, None, None, True) for name in names]

    def _answer_data(self, sql: str) -> None:
        select = sqlglot.parse_one(sql, read="tsql")
        table = select.find(exp.Table)
        if not isinstance(select, exp.Select) or table is None:
            raise ProgrammingError(f"the fake does not understand: {sql}")
        key = f"{table.db}.{table.name}".lower()
        if key not in self.connection.tables:
            raise ProgrammingError(f"Invalid object name '{table.db}.{table.name}'.")
        rows = self.connection.tables[key]
        limit = select.args.get("limit")
        if limit is not None:
            rows = rows[: int(limit.expression.name)]
        names = select.named_selects
        if select.is_star:  # `SELECT *`: every column, in the order of the rows' keys
            names = list(rows[0]) if rows else []
        self._answer(names, [{n: row[n] for n in names} for row in rows])

    def fetchall(self) -> list[tuple]:
        rows, self._rows = self._rows, []
        return rows

    def fetchmany(self, size: int = 1) -> list[tuple]:
        self.connection.fetch_sizes.append(size)
        rows, self._rows = self._rows[:size], self._rows[size:]
        return rows

    def close(self) -> None:
        self.closed = True


class FakeConnection:
    def __init__(self, catalog_rows: dict[str, list[dict]], tables: dict[str, list[dict]]) -> None:
        self.catalog_rows = catalog_rows
        self.tables = tables
        self.executed: list[str] = []
        self.fetch_sizes: list[int] = []
        self.failing: dict[str, str] = {}  # query text -> error message it raises
        self.closed = False

    def cursor(self) -> FakeCursor:
        return FakeCursor(self)

    def close(self) -> None:
        self.closed = True


def connect(*args: Any, **kwargs: Any) -> FakeConnection:
    """A connection to a fresh copy of the small estate."""
    return FakeConnection(estate_catalog_rows(), estate_tables())


# ---------------------------------------------------------------- the dacpac fixture's estate, live
#
# The estate of `dacpac_fixture` (also its EQUIVALENT_SCRIPT) as a deployed database answers
# the catalog queries: written by hand, as SQL Server stores it, not derived from a Catalog, so
# that the live reader's decoding (byte lengths, wrapped defaults, padded type codes, CRLF)
# is what a comparison with the other readers tests. The rows are those after deploying
# the post-deployment script: defaults filled in, and the row the trigger wrote.

DE_CUSTOMERS, DE_ORDERS, DE_AUDIT_LOG = 1013578649, 1045578763, 1077578877
DE_VIEW, DE_ADD_ORDER, DE_LOG, DE_DOUBLE, DE_TRIGGER = 1109578991, 1141579105, 1173579219, 1205579333, 1237579447
DE_CREATED = dt.datetime(2024, 5, 6, 7, 8, 9, 123000)  # what getdate() gave at deployment


def _crlf(text: str) -> str:
    """Module text as sys.sql_modules keeps it: the batch as sent, with the client's CRLF line ends."""
    return text.replace("\n", "\r\n") + "\r\n"


def dacpac_estate_catalog_rows() -> dict[str, list[dict]]:
    """The catalog query rows of the dacpac fixture's estate, deployed to SQL Server."""
    return {
        live.COLLATION_QUERY: [{"collation_name": "Latin1_General_100_CS_AS"}],
        live.OBJECTS_QUERY: [
            _object(DE_AUDIT_LOG, "dbo", "AuditLog", "U ", "USER_TABLE"),
            _object(DE_CUSTOMERS, "dbo", "Customers", "U ", "USER_TABLE"),
            _object(DE_DOUBLE, "dbo", "fn_Double", "FN", "SQL_SCALAR_FUNCTION"),
            _object(DE_ADD_ORDER, "dbo", "usp_AddOrder", "P ", "SQL_STORED_PROCEDURE"),
            _object(DE_LOG, "dbo", "usp_Log", "P ", "SQL_STORED_PROCEDURE"),
            _object(DE_VIEW, "dbo", "vCustomerOrders", "V ", "VIEW"),
            _object(DE_ORDERS, "sales", "Orders", "U ", "USER_TABLE"),
            _object(DE_TRIGGER, "sales", "trg_Orders_Insert", "TR", "SQL_TRIGGER", DE_ORDERS),
        ],
        live.MODULES_QUERY: [
            {"object_id": DE_VIEW, "definition": _crlf(f"CREATE VIEW [dbo].[vCustomerOrders]\nAS\n{VIEW_QUERY}")},
            {"object_id": DE_ADD_ORDER, "definition": _crlf(
                f"CREATE PROCEDURE [dbo].[usp_AddOrder] @CustomerID int, @Amount money = 0\nAS\n{PROCEDURE_BODY}")},
            {"object_id": DE_LOG, "definition": _crlf(f"CREATE PROCEDURE [dbo].[usp_Log] @CustomerID int\nAS\n{LOG_BODY}")},
            {"object_id": DE_DOUBLE, "definition": _crlf(f"{FUNCTION_HEADER}\n{FUNCTION_BODY}")},
            {"object_id": DE_TRIGGER, "definition": _crlf(
                f"CREATE TRIGGER [sales].[trg_Orders_Insert] ON [sales].[Orders] AFTER INSERT\nAS\n{TRIGGER_BODY}")},
        ],
        live.COLUMNS_QUERY: [
            _column(DE_CUSTOMERS, 1, "CustomerID", "int", 4, 10, 0, False),
            _column(DE_CUSTOMERS, 2, "Name", "nvarchar", 100, 0, 0, False),
            _column(DE_CUSTOMERS, 3, "Email", "varchar", -1, 0, 0, True),
            _column(DE_CUSTOMERS, 4, "Credit", "decimal", 9, 10, 2, False),
            _column(DE_CUSTOMERS, 5, "Created", "datetime2", 7, 23, 3, True),
            _column(DE_CUSTOMERS, 6, "Label", "nvarchar", 102, 0, 0, True),  # computed: the server knows its type
            _column(DE_ORDERS, 1, "OrderID", "int", 4, 10, 0, False),
            _column(DE_ORDERS, 2, "CustomerID", "int", 4, 10, 0, False),
            _column(DE_ORDERS, 3, "Amount", "money", 8, 19, 4, True),
            _column(DE_AUDIT_LOG, 1, "Message", "nvarchar", 400, 0, 0, False),
        ],
        live.IDENTITY_QUERY: [{"object_id": DE_CUSTOMERS, "column_id": 1}],
        # the server keeps a computed column's definition re-spelled, without the spaces written
        live.COMPUTED_QUERY: [{"object_id": DE_CUSTOMERS, "column_id": 6, "definition": "([Name]+N'!')"}],
        live.DEFAULTS_QUERY: [
            {"parent_object_id": DE_CUSTOMERS, "parent_column_id": 4, "definition": "((0))"},
            {"parent_object_id": DE_CUSTOMERS, "parent_column_id": 5, "definition": "(getdate())"},
        ],
        live.KEYS_QUERY: [
            {"parent_object_id": DE_CUSTOMERS, "object_id": DE_CUSTOMERS + 1, "type": "PK", "key_ordinal": 1, "column_name": "CustomerID"},
            {"parent_object_id": DE_CUSTOMERS, "object_id": DE_CUSTOMERS + 2, "type": "UQ", "key_ordinal": 1, "column_name": "Name"},
            {"parent_object_id": DE_ORDERS, "object_id": DE_ORDERS + 1, "type": "PK", "key_ordinal": 1, "column_name": "OrderID"},
        ],
        live.FOREIGN_KEYS_QUERY: [
            {"parent_object_id": DE_ORDERS, "object_id": DE_ORDERS + 2, "name": "FK_Orders_Customers", "is_system_named": False,
             "column_name": "CustomerID", "ref_schema": "dbo", "ref_table": "Customers", "ref_column": "CustomerID"},
        ],
        live.CHECKS_QUERY: [_check(DE_ORDERS, 0, "CK_Orders_Amount", False, "([Amount]>=(0))")],
        live.DESCRIPTIONS_QUERY: [
            {"major_id": DE_CUSTOMERS, "minor_id": 0, "description": "People who buy"},
            {"major_id": DE_CUSTOMERS, "minor_id": 2, "description": "Full name, as printed"},
        ],
        live.PARAMETERS_QUERY: [
            _parameter(DE_ADD_ORDER, 1, "@CustomerID", "int", 4, 10, 0),
            _parameter(DE_ADD_ORDER, 2, "@Amount", "money", 8, 19, 4),
            _parameter(DE_LOG, 1, "@CustomerID", "int", 4, 10, 0),
            _parameter(DE_DOUBLE, 1, "@x", "money", 8, 19, 4),
        ],
        live.EXPRESSION_DEPENDENCIES_QUERY: [
            _dependency(DE_VIEW, DE_CUSTOMERS, "dbo", "Customers"),
            _dependency(DE_VIEW, DE_ORDERS, "sales", "Orders"),
            _dependency(DE_VIEW, DE_DOUBLE, "dbo", "fn_Double"),
            _dependency(DE_ADD_ORDER, DE_ORDERS, "sales", "Orders"),
            _dependency(DE_ADD_ORDER, DE_CUSTOMERS, "dbo", "Customers"),
            _dependency(DE_ADD_ORDER, DE_LOG, "dbo", "usp_Log"),
            _dependency(DE_LOG, DE_AUDIT_LOG, "dbo", "AuditLog"),
            _dependency(DE_TRIGGER, DE_AUDIT_LOG, "dbo", "AuditLog"),
            _dependency(DE_TRIGGER, DE_ORDERS, "sales", "Orders"),
        ],
        live.SCHEMAS_QUERY: [{"schema_id": 5, "name": "sales"}],
        live.INDEXES_QUERY: [
            {"object_id": DE_ORDERS, "index_id": 2, "name": "IX_Orders_Customer", "type_desc": "NONCLUSTERED",
             "is_unique": False, "filter_definition": None, "is_descending_key": False,
             "is_included_column": False, "column_name": "CustomerID"},
        ],
        live.SEQUENCES_QUERY: [],
        live.SYNONYMS_QUERY: [],
        live.TYPES_QUERY: [],
    }


def dacpac_estate_tables() -> dict[str, list[dict]]:
    """The estate's rows after deployment, with the Python values pyodbc returns."""
    customers = [
        {"CustomerID": 1, "Name": "Ann", "Email": None, "Credit": Decimal("10.50"), "Created": DE_CREATED},
        {"CustomerID": 2, "Name": "O'Brien", "Email": "ob@x", "Credit": Decimal("0.00"), "Created": DE_CREATED},
    ]
    orders = [{"OrderID": 10, "CustomerID": 1, "Amount": Decimal("5.2500")}]
    audit_log = [{"Message": "orders: 1"}]  # written by sales.trg_Orders_Insert when the order went in
    return {"dbo.customers": customers, "sales.orders": orders, "dbo.auditlog": audit_log}


def connect_dacpac_estate(*args: Any, **kwargs: Any) -> FakeConnection:
    """A connection to a fresh copy of the dacpac fixture's estate."""
    return FakeConnection(dacpac_estate_catalog_rows(), dacpac_estate_tables())
