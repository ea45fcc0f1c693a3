"""The type policy: SQL Server types as written -> PostgreSQL types."""

import pytest

from migrator_pipeline.tsql.types import UnknownTypeError, postgres_type

CASES = [
    ("bit", "boolean"),
    ("tinyint", "smallint"),
    ("smallint", "smallint"),
    ("int", "integer"),
    ("INT", "integer"),
    ("[int]", "integer"),
    ("bigint", "bigint"),
    ("decimal(10,2)", "numeric(10,2)"),
    ("[decimal](10, 2)", "numeric(10,2)"),
    ("numeric(38, 0)", "numeric(38,0)"),
    ("decimal", "numeric(18,0)"),  # SQL Server's default precision and scale
    ("decimal(5)", "numeric(5,0)"),
    ("money", "numeric(19,4)"),
    ("smallmoney", "numeric(10,4)"),
    ("float", "double precision"),
    ("float(53)", "double precision"),
    ("float(24)", "real"),  # float(1..24) is 4 bytes in SQL Server
    ("real", "real"),
    ("char(10)", "char(10)"),
    ("nchar(3)", "char(3)"),
    ("char", "char(1)"),  # a bare char column is one character
    ("varchar(50)", "varchar(50)"),
    ("nvarchar(50)", "varchar(50)"),
    ("NVarChar (50)", "varchar(50)"),
    ("[nvarchar](max)", "text"),
    ("varchar(MAX)", "text"),
    ("text", "text"),
    ("ntext", "text"),
    ("sysname", "varchar(128)"),
    ("date", "date"),
    ("time", "time"),
    ("time(7)", "time"),  # PostgreSQL stops at microseconds
    ("time(3)", "time(3)"),
    ("datetime", "timestamp"),
    ("datetime2", "timestamp"),
    ("datetime2(3)", "timestamp(3)"),
    ("datetime2(7)", "timestamp"),
    ("smalldatetime", "timestamp"),
    ("datetimeoffset", "timestamptz"),
    ("datetimeoffset(2)", "timestamptz(2)"),
    ("uniqueidentifier", "uuid"),
    ("binary(16)", "bytea"),
    ("varbinary(max)", "bytea"),
    ("varbinary(100)", "bytea"),
    ("image", "bytea"),
    ("rowversion", "bytea"),
    ("timestamp", "bytea"),  # SQL Server's timestamp is a row version, not a time
    ("xml", "xml"),
    ("sql_variant", "text"),
    ("hierarchyid", "text"),
    ("geography", "text"),
    ("geometry", "text"),
]


@pytest.mark.parametrize(("sqlserver_type", "expected"), CASES)
def test_postgres_type(sqlserver_type, expected):
    assert postgres_type(sqlserver_type) == expected


@pytest.mark.parametrize("sqlserver_type", ["dbo.PhoneNumber", "PhoneNumber", "int(4)", "varchar(abc)", "", "money(2)"])
def test_unknown_types_raise_with_the_type_in_the_message(sqlserver_type):
    with pytest.raises(UnknownTypeError) as error:
        postgres_type(sqlserver_type)
    assert repr(sqlserver_type) in str(error.value)
