"""SQL Server data types as PostgreSQL data types: the one type policy of the migration.

Types without a PostgreSQL counterpart (`sql_variant`, `hierarchyid`, `geography`,
`geometry`) become `text`: the values survive as their text form, but their meaning
(typed comparison, tree navigation, spatial functions) does not. The assessment should
flag columns of those types.
"""

from __future__ import annotations

import re

# `name`, optionally followed by `(args)`; names may hold spaces (`double precision`).
_TYPE = re.compile(r"^\s*(?P<name>[a-z][a-z0-9_ ]*?)\s*(?:\((?P<args>[^)]*)\))?\s*$")

# PostgreSQL keeps at most microseconds; SQL Server's default fractional precision is 7.
_MAX_FRACTION_DIGITS = 6

_FIXED = {
    "bit": "boolean",
    "tinyint": "smallint",  # PostgreSQL has no one-byte integer
    "smallint": "smallint",
    "int": "integer",
    "integer": "integer",
    "bigint": "bigint",
    "money": "numeric(19,4)",
    "smallmoney": "numeric(10,4)",
    "real": "real",
    "double precision": "double precision",
    "text": "text",
    "ntext": "text",
    "date": "date",
    "smalldatetime": "timestamp",
    "datetime": "timestamp",
    "uniqueidentifier": "uuid",
    "image": "bytea",
    "rowversion": "bytea",
    "timestamp": "bytea",  # SQL Server's `timestamp` is rowversion, not a point in time
    "xml": "xml",
    "sysname": "varchar(128)",
    # No PostgreSQL counterpart: the text form survives, the meaning does not.
    "sql_variant": "text",
    "hierarchyid": "text",
    "geography": "text",
    "geometry": "text",
}

_CHAR = {"char": "char", "nchar": "char", "character": "char"}
_VARCHAR = {
    "varchar": "varchar",
    "nvarchar": "varchar",
    "character varying": "varchar",
    "char varying": "varchar",
    "national character varying": "varchar",
}
_DECIMAL = {"decimal", "numeric", "dec"}
_BINARY = {"binary", "varbinary"}
_FRACTIONAL = {"datetime2": "timestamp", "datetimeoffset": "timestamptz", "time": "time"}


class UnknownTypeError(ValueError):
    """A type the policy does not know: user-defined types, typos, other dialects."""


def postgres_type(sqlserver_type: str) -> str:
    """The PostgreSQL type for a SQL Server type as written (any case, maybe bracketed)."""
    match = _TYPE.match(sqlserver_type.replace("[", "").replace("]", "").lower())
    if not match:
        raise UnknownTypeError(f"unknown SQL Server type {sqlserver_type!r}")
    name = " ".join(match["name"].split())
    args = [a.strip() for a in (match["args"] or "").split(",") if a.strip()]
    try:
        mapped = _map(name, args)
    except ValueError:  # a non-numeric length or precision
        mapped = None
    if mapped is None:
        raise UnknownTypeError(f"unknown SQL Server type {sqlserver_type!r}")
    return mapped


def _map(name: str, args: list[str]) -> str | None:
    if name in _FIXED and not args:
        return _FIXED[name]
    if name in _DECIMAL:
        # SQL Server's default is decimal(18,0); `decimal(p)` means scale 0.
        precision = int(args[0]) if args else 18
        scale = int(args[1]) if len(args) > 1 else 0
        return f"numeric({precision},{scale})"
    if name == "float":
        # float(1..24) is real in SQL Server, float(25..53) and bare float are 8 bytes.
        return "real" if args and int(args[0]) <= 24 else "double precision"
    if name in _CHAR:
        # A bare `char` in a definition is char(1).
        return f"char({int(args[0]) if args else 1})"
    if name in _VARCHAR:
        if args and args[0] == "max":
            return "text"
        return f"varchar({int(args[0]) if args else 1})"
    if name in _BINARY:
        return "bytea"
    if name in _FRACTIONAL:
        return _fractional(_FRACTIONAL[name], args)
    return None


def _fractional(base: str, args: list[str]) -> str:
    """datetime2(n), datetimeoffset(n), time(n): keep n where PostgreSQL can (up to 6)."""
    if not args or int(args[0]) > _MAX_FRACTION_DIGITS:
        return base
    return f"{base}({int(args[0])})"
