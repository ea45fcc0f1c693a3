"""Holds the bundled example estate, examples/sales_dw, to its spec.

These checks read the scripts with small regular expressions on purpose: they must not
depend on the catalog reader, whose job is to read this estate.
"""

from __future__ import annotations

import csv
import re
from collections import Counter
from pathlib import Path

import pytest
from sqlglot.dialects.dialect import Dialect

from migrator_pipeline.assessment.features import detect_features

ESTATE = Path(__file__).resolve().parents[2] / "examples" / "sales_dw"
SCRIPTS = ["01_schemas.sql", "02_tables.sql", "03_data.sql", "04_functions.sql", "05_views.sql", "06_procedures.sql"]
_GO = re.compile(r"^\s*GO\s*$", re.MULTILINE | re.IGNORECASE)
_CREATE = re.compile(r"^\s*CREATE\s+(TABLE|VIEW|PROCEDURE|FUNCTION|TRIGGER)\s+(\[?\w+\]?\.\[?\w+\]?)", re.I | re.M)


def _script(name: str) -> str:
    return (ESTATE / name).read_text(encoding="utf-8")


def _strip_comments(sql: str) -> str:
    sql = re.sub(r"/\*.*?\*/", "", sql, flags=re.DOTALL)
    return re.sub(r"--[^\n]*", "", sql)


def _batches(name: str) -> list[str]:
    return [batch for batch in _GO.split(_script(name)) if _strip_comments(batch).strip()]


def _name(raw: str) -> str:
    return raw.replace("[", "").replace("]", "").lower()


def _created(kind: str) -> dict[str, str]:
    """Object key -> its batch, for every CREATE <kind> in the estate."""
    found = {}
    for script in SCRIPTS:
        for batch in _batches(script):
            match = _CREATE.search(_strip_comments(batch))
            if match and match.group(1).upper() == kind:
                found[_name(match.group(2))] = batch
    return found


# --- the scripts ------------------------------------------------------------


def test_all_files_are_present_and_utf8():
    for name in [*SCRIPTS, "README.md", "data/dbo.OrderLines.csv"]:
        assert (ESTATE / name).read_bytes().decode("utf-8")


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        (
            "TABLE",
            {
                "dbo.regions", "dbo.productcategories", "dbo.suppliers", "dbo.products", "dbo.employees",
                "dbo.customers", "dbo.orders", "dbo.orderlines", "dbo.shipments", "dbo.productpriceaudit",
                "dw.dimcustomer", "dw.dimproduct", "dw.factsales", "dw.salesdaily", "dw.customersegments",
                "dw.etllog",
            },
        ),
        (
            "VIEW",
            {
                "dbo.vw_customerdirectory", "dbo.vw_ordertotals", "dbo.vw_productcatalog", "dbo.vw_monthlysales",
                "dbo.vw_topcustomers", "dbo.vw_employeesales", "dbo.vw_shipmentdelays", "dbo.vw_openorders",
            },
        ),
        (
            "PROCEDURE",
            {
                "dw.usp_loaddimproduct", "dw.usp_mergedimcustomer", "dw.usp_loadfactsales", "dw.usp_loadsalesdaily",
                "dw.usp_appendcustomersegments", "dw.usp_runnightlyload", "dbo.usp_recalculatecreditlimits",
            },
        ),
        ("FUNCTION", {"dbo.fn_netamount", "dbo.fn_fullname", "dbo.fn_customerorderlines"}),
        ("TRIGGER", {"dbo.trg_products_priceaudit"}),
    ],
)  # fmt: skip
def test_objects_created(kind, expected):
    assert set(_created(kind)) == expected


def test_create_statement_counts_match_regex_over_whole_files():
    text = "\n".join(_strip_comments(_script(name)) for name in SCRIPTS)
    counts = Counter(kind.upper() for kind, _ in _CREATE.findall(text))
    assert counts == {"TABLE": 16, "VIEW": 8, "PROCEDURE": 7, "FUNCTION": 3, "TRIGGER": 1}


def test_module_definitions_open_their_batch():
    # SQL Server requires CREATE VIEW/PROCEDURE/FUNCTION/TRIGGER to be the first statement of a batch.
    for script in ["04_functions.sql", "05_views.sql", "06_procedures.sql"]:
        for batch in _batches(script):
            code = _strip_comments(batch).strip()
            if re.search(r"\bCREATE\s+(VIEW|PROCEDURE|FUNCTION|TRIGGER)\b", code, re.I):
                assert re.match(r"CREATE\s+(VIEW|PROCEDURE|FUNCTION|TRIGGER)\b", code, re.I), code[:80]


def test_every_batch_tokenizes_as_tsql():
    tsql = Dialect.get_or_raise("tsql")
    for script in SCRIPTS:
        for batch in _batches(script):
            assert tsql.tokenize(batch)


# --- keys and data ----------------------------------------------------------


def _table_ddl() -> dict[str, str]:
    return {key: _strip_comments(batch) for key, batch in _created("TABLE").items()}


def _columns(ddl: str) -> dict[str, bool]:
    """Column name -> NOT NULL, from a CREATE TABLE written one column per line."""
    columns = {}
    for line in ddl.splitlines()[1:]:
        match = re.match(r"\s+\[?(\w+)\]?\s+\[?(\w+)\]?", line)
        if match and match.group(1).upper() not in ("CONSTRAINT", "PRIMARY", "FOREIGN", "UNIQUE"):
            columns[match.group(1).lower()] = "NOT NULL" in line.upper()
    return columns


def _primary_key(ddl: str) -> list[str]:
    clause = re.search(r"PRIMARY KEY CLUSTERED \(([^)]*)\)", ddl)
    if clause:
        return [_name(col.split()[0]) for col in clause.group(1).split(",")]
    inline = re.search(r"^\s+\[?(\w+)\]?\s+[^\n]*PRIMARY KEY", ddl, re.M)
    return [inline.group(1).lower()]


def _foreign_keys() -> set[tuple[str, str, str, str]]:
    """(child table, column, parent table, parent column), inline and from ALTER TABLE."""
    fks = set()
    for table, ddl in _table_ddl().items():
        for line in ddl.splitlines():
            inline = re.match(r"\s+\[?(\w+)\]?\s.*REFERENCES\s+([\w.\[\]]+)\s*\(\[?(\w+)", line)
            if inline:
                fks.add((table, inline.group(1).lower(), _name(inline.group(2)), inline.group(3).lower()))
    alters = re.findall(
        r"ALTER TABLE (\S+) ADD CONSTRAINT FK_\w+\s+FOREIGN KEY \((\w+)\) REFERENCES (\S+) \((\w+)\)",
        _script("02_tables.sql"),
    )
    for child, column, parent, parent_column in alters:
        fks.add((_name(child), column.lower(), _name(parent), parent_column.lower()))
    return fks


_LITERAL = re.compile(r"N?'(?:[^']|'')*'|NULL|-?\d+(?:\.\d+)?|[(),;]")


def _inserted_rows() -> dict[str, list[dict[str, str | None]]]:
    """Rows of every INSERT ... VALUES in 03_data.sql, values as text (None is NULL)."""
    rows: dict[str, list[dict]] = {}
    code = _strip_comments(_script("03_data.sql"))
    for match in re.finditer(r"INSERT INTO (\S+) \(([^)]*)\)\s*VALUES(.*?);\s*$", code, re.DOTALL | re.M):
        table, columns = _name(match.group(1)), [c.strip().lower() for c in match.group(2).split(",")]
        for values in _tuples(match.group(3)):
            assert len(values) == len(columns), (table, values)
            rows.setdefault(table, []).append(dict(zip(columns, values, strict=True)))
    return rows


def _tuples(values_text: str) -> list[list[str | None]]:
    tuples, current = [], None
    for token in _LITERAL.findall(values_text):
        if token == "(":
            current = []
        elif token == ")":
            tuples.append(current)
        elif token not in (",", ";"):
            current.append(_literal_value(token))
    return tuples


def _literal_value(token: str) -> str | None:
    if token == "NULL":
        return None
    if token.startswith(("N'", "'")):
        return token[token.index("'") + 1 : -1].replace("''", "'")
    return token


def _csv_rows() -> list[dict[str, str | None]]:
    with (ESTATE / "data" / "dbo.OrderLines.csv").open(encoding="utf-8", newline="") as handle:
        return [{k.lower(): (v if v != "" else None) for k, v in row.items()} for row in csv.DictReader(handle)]


def _all_rows() -> dict[str, list[dict]]:
    rows = _inserted_rows()
    rows["dbo.orderlines"] = _csv_rows()
    return rows


def test_row_counts():
    counts = {table: len(rows) for table, rows in _all_rows().items()}
    assert counts == {
        "dbo.regions": 8,
        "dbo.productcategories": 10,
        "dbo.suppliers": 10,
        "dbo.products": 24,
        "dbo.employees": 12,
        "dbo.customers": 30,
        "dbo.orders": 60,
        "dbo.shipments": 52,
        "dbo.orderlines": 201,
    }


def test_csv_header_and_types():
    with (ESTATE / "data" / "dbo.OrderLines.csv").open(encoding="utf-8", newline="") as handle:
        header = next(csv.reader(handle))
    assert header == ["OrderLineID", "OrderID", "ProductID", "Quantity", "UnitPrice", "Discount", "PromoCode"]
    rows = _csv_rows()
    assert [int(r["orderlineid"]) for r in rows] == list(range(1, 202))
    assert all(int(r["quantity"]) > 0 and float(r["unitprice"]) > 0 for r in rows)
    assert {r["discount"] for r in rows} == {"0.00", "0.05", "0.10", "0.15"}
    assert {r["promocode"] for r in rows} == {None, "SPRING24", "LOYAL10"}


def test_columns_in_data_exist_in_tables():
    ddl = _table_ddl()
    for table, rows in _all_rows().items():
        assert set(rows[0]) <= set(_columns(ddl[table])), table


def test_primary_keys_are_unique_and_not_null():
    ddl = _table_ddl()
    for table, rows in _all_rows().items():
        key = _primary_key(ddl[table])
        values = [tuple(row[col] for col in key) for row in rows]
        assert all(None not in value for value in values), table
        assert len(set(values)) == len(values), table


def test_order_lines_unique_constraint_holds():
    pairs = [(r["orderid"], r["productid"]) for r in _csv_rows()]
    assert len(set(pairs)) == len(pairs)


def test_not_null_columns_have_values():
    ddl = _table_ddl()
    for table, rows in _all_rows().items():
        not_null = [col for col, required in _columns(ddl[table]).items() if required]
        for row in rows:
            missing = [col for col in not_null if col in row and row[col] is None]
            assert not missing, (table, row)


def test_foreign_keys_declared():
    assert _foreign_keys() == {
        ("dbo.productcategories", "parentcategoryid", "dbo.productcategories", "categoryid"),
        ("dbo.suppliers", "regionid", "dbo.regions", "regionid"),
        ("dbo.employees", "regionid", "dbo.regions", "regionid"),
        ("dbo.customers", "regionid", "dbo.regions", "regionid"),
        ("dbo.shipments", "orderid", "dbo.orders", "orderid"),
        ("dbo.products", "categoryid", "dbo.productcategories", "categoryid"),
        ("dbo.products", "supplierid", "dbo.suppliers", "supplierid"),
        ("dbo.employees", "managerid", "dbo.employees", "employeeid"),
        ("dbo.orders", "customerid", "dbo.customers", "customerid"),
        ("dbo.orders", "employeeid", "dbo.employees", "employeeid"),
        ("dbo.orderlines", "orderid", "dbo.orders", "orderid"),
        ("dbo.orderlines", "productid", "dbo.products", "productid"),
        ("dbo.shipments", "shipregionid", "dbo.regions", "regionid"),
    }


def test_foreign_key_values_exist_in_parent():
    rows = _all_rows()
    for child, column, parent, parent_column in _foreign_keys():
        parents = {row[parent_column] for row in rows[parent]}
        orphans = {row[column] for row in rows[child] if row[column] is not None} - parents
        assert not orphans, (child, column, orphans)


def test_data_has_the_awkward_values():
    rows = _inserted_rows()
    last_names = {row["lastname"] for row in rows["dbo.customers"]}
    assert "O'Brien" in last_names
    assert any(row["firstname"] is None for row in rows["dbo.customers"])
    text = _script("03_data.sql")
    assert "N'O''Brien'" in text
    assert re.search(r"'\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d'", text)
    assert re.search(r"'\d{4}-\d\d-\d\d'", text)


def test_table_ddl_uses_the_spec_types_and_constraints():
    text = _script("02_tables.sql").lower()
    for word in ["int ", "bigint", "bit ", "decimal(", "money", "nvarchar(", "varchar(", "char(2)", "date ",
                 "datetime ", "datetime2(", "identity(", "default", "not null"]:  # fmt: skip
        assert word in text, word
    assert "constraint pk_orders primary key clustered (orderid)" in text
    assert re.search(r"regionid\s+int\s+not null primary key", text)


# --- functions, views, procedures -------------------------------------------


def test_scalar_function_is_one_return_and_is_used():
    body = _strip_comments(_created("FUNCTION")["dbo.fn_netamount"])
    assert re.search(r"RETURNS money\s+AS\s+BEGIN\s+RETURN [^;]+;\s+END", body)
    views = "\n".join(_created("VIEW").values())
    procedures = "\n".join(_created("PROCEDURE").values())
    assert "dbo.fn_NetAmount(" in views
    assert "dbo.fn_NetAmount(" in procedures


def test_views_cover_the_spec():
    views = {key: _strip_comments(batch) for key, batch in _created("VIEW").items()}
    text = "\n".join(views.values())
    assert "WITH (NOLOCK)" in text
    assert re.search(r"TOP \(10\).*ORDER BY", views["dbo.vw_topcustomers"], re.DOTALL)
    assert "FROM dbo.vw_OrderTotals" in views["dbo.vw_topcustomers"]  # a view over a view
    assert "FirstName + ' ' + " in text
    for pattern in ["GROUP BY", "CASE", "ISNULL(", "DATEDIFF(", "DATEADD(", "YEAR(", "MONTH(", "JOIN"]:
        assert pattern in text, pattern
    # only vw_OpenOrders may look at today's date, and only to exclude future rows
    assert [key for key, body in views.items() if "GETDATE" in body.upper()] == ["dbo.vw_openorders"]


def test_procedure_patterns():
    procedures = {key: _strip_comments(batch) for key, batch in _created("PROCEDURE").items()}
    for key, body in procedures.items():
        assert "SET NOCOUNT ON;" in body, key
        assert re.search(r"\bAS\s+BEGIN\b", body) and body.rstrip().endswith("END"), key
    reload = procedures["dw.usp_loaddimproduct"]
    assert re.search(r"TRUNCATE TABLE dw.DimProduct;\s+INSERT INTO dw.DimProduct \(", reload)
    staged = procedures["dw.usp_loadsalesdaily"]
    assert "INTO #DailyLines" in staged and "FROM #DailyLines" in staged
    assert "INSERT INTO dw.SalesDaily (" in staged
    merge = procedures["dw.usp_mergedimcustomer"]
    assert re.search(
        r"MERGE dw.DimCustomer AS tgt\s+USING \(.*\) AS src\s+ON tgt.CustomerID = src.CustomerID\s+"
        r"WHEN MATCHED THEN\s+UPDATE SET .*WHEN NOT MATCHED THEN\s+INSERT \(.*\)\s+VALUES \(.*\);",
        merge,
        re.DOTALL,
    )
    append = procedures["dw.usp_appendcustomersegments"]
    assert "INSERT INTO dw.CustomerSegments (" in append and "TRUNCATE" not in append
    assert "CURSOR" in procedures["dbo.usp_recalculatecreditlimits"]


def test_dw_tables_are_written_by_procedures():
    procedures = "\n".join(_created("PROCEDURE").values())
    written = {_name(t) for t in re.findall(r"(?:INSERT INTO|MERGE)\s+(dw\.\w+)", procedures)}
    assert written == {"dw.dimproduct", "dw.dimcustomer", "dw.factsales", "dw.salesdaily",
                       "dw.customersegments", "dw.etllog"}  # fmt: skip


@pytest.mark.parametrize(
    ("kind", "key", "expected_features"),
    [
        ("PROCEDURE", "dbo.usp_recalculatecreditlimits", ["cursor", "while_loop"]),
        ("PROCEDURE", "dw.usp_loadsalesdaily", ["temp_table"]),
        ("PROCEDURE", "dw.usp_mergedimcustomer", ["merge"]),
        ("PROCEDURE", "dw.usp_runnightlyload", ["try_catch", "transaction", "rowcount"]),
        ("PROCEDURE", "dw.usp_loaddimproduct", []),
        ("PROCEDURE", "dw.usp_appendcustomersegments", []),
        ("VIEW", "dbo.vw_productcatalog", []),
        ("TRIGGER", "dbo.trg_products_priceaudit", []),
    ],
)
def test_features_a_migration_must_see(kind, key, expected_features):
    assert list(detect_features(_created(kind)[key])) == expected_features
