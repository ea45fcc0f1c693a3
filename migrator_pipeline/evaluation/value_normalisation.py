"""Value normalisation: a value in the form it is compared in, by the kind of its column.

Only the spelling changes, never the value (see `data_match` for what "the same rows" means):
numbers by exact value, floats as IEEE doubles (singles for `real`), bit as boolean, dates and
times as values, bytes as hex, uuids in lower case, text as it is.
"""

from __future__ import annotations

import datetime as dt
import decimal
import re
import struct
from decimal import Decimal
from typing import Any

_KIND_OF_OID = {
    16: "boolean",
    20: "integer", 21: "integer", 23: "integer", 26: "integer",
    1700: "number",
    700: "real", 701: "float",
    1082: "date",
    1114: "timestamp", 1184: "timestamp",
    1083: "time", 1266: "time",
    17: "bytes",
    2950: "uuid",
}
NUMERIC_KINDS = ("integer", "number", "float", "real")
# SQL Server's integer types: a column of one of them never returns a fraction
SQL_SERVER_INTEGERS = ("tinyint", "smallint", "int", "bigint")
_TRUE = {"1", "true", "t", "yes", "y"}
_FALSE = {"0", "false", "f", "no", "n"}
_DATETIME = re.compile(
    r"^(\d{4}-\d{2}-\d{2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$")
_TIME = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?$")


def column_kind(type_code: int | None) -> str:
    """How a PostgreSQL column's values are compared: integer, number, float, real, boolean,
    date, timestamp, time, bytes, uuid or text."""
    return _KIND_OF_OID.get(type_code or 0, "text")


def _unparsed(value: Any) -> tuple[str, str]:
    # never equal to a parsed value, so a value that does not fit its column is a difference
    return ("unparsed", str(value))


def _decimal(value: Any) -> Decimal | None:
    """A number as an exact Decimal (a float through its shortest repr); None when it is not one."""
    if isinstance(value, bool):
        return Decimal(int(value))
    if isinstance(value, Decimal):
        return value
    try:
        return Decimal(repr(value)) if isinstance(value, float) else Decimal(str(value).strip())
    except decimal.InvalidOperation:
        return None


def _number(value: Any) -> Any:
    """Exact: Decimal equality ignores only spelling ('10' == 10.000 == '1e1'), never a digit.
    A bit exported as True/False (SSMS, .NET) is the number 1/0."""
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return Decimal(value.strip().lower() == "true")
    number = _decimal(value)
    if number is None:
        return _unparsed(value)
    return ("nan",) if number.is_nan() else number


def _float(value: Any, single: bool = False) -> Any:
    """IEEE doubles (or singles, for `real`): the text '0.1' and the float 0.1 are one value."""
    number = _decimal(value)
    if number is None:
        return _unparsed(value)
    if number.is_nan():
        return ("nan",)
    as_float = float(number)
    return struct.unpack("f", struct.pack("f", as_float))[0] if single else as_float


def _boolean(value: Any) -> Any:
    if isinstance(value, (bool, int)) and value in (0, 1):
        return bool(value)
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    return False if text in _FALSE else _unparsed(value)


def _fraction(digits: str | None) -> dt.timedelta:
    """Fractional seconds rounded to microseconds, as PostgreSQL rounds datetime2(7)'s 100 ns."""
    if not digits:
        return dt.timedelta()
    return dt.timedelta(microseconds=round(Decimal("0." + digits) * 1_000_000))


def _zone(text: str | None) -> dt.timezone | None:
    if text is None:
        return None
    if text == "Z":
        return dt.timezone.utc
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    return dt.timezone(sign * dt.timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))


def _timestamp(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day)
    match = _DATETIME.match(str(value).strip())
    if match is None:
        return _unparsed(value)
    day, hour, minute, second, fraction, zone = match.groups()
    try:
        base = dt.datetime.fromisoformat(day).replace(
            hour=int(hour or 0), minute=int(minute or 0), second=int(second or 0), tzinfo=_zone(zone))
    except ValueError:
        return _unparsed(value)
    return base + _fraction(fraction)


def _date(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.date() if value.time() == dt.time() else value
    if isinstance(value, dt.date):
        return value
    parsed = _timestamp(value)
    if isinstance(parsed, dt.datetime) and parsed.time() == dt.time() and parsed.tzinfo is None:
        return parsed.date()
    return parsed


def _time(value: Any) -> Any:
    if isinstance(value, dt.time):
        return value.replace(tzinfo=None)
    match = _TIME.match(str(value).strip())
    if match is None:
        return _unparsed(value)
    hour, minute, second, fraction = match.groups()
    try:
        base = dt.datetime(2000, 1, 1, int(hour), int(minute), int(second or 0))
    except ValueError:
        return _unparsed(value)
    return (base + _fraction(fraction)).time()


def _bytes(value: Any) -> Any:
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value).hex()
    text = str(value).strip().lower()
    for prefix in ("0x", "\\x"):
        if text.startswith(prefix):
            text = text[len(prefix):]
    return text if re.fullmatch(r"[0-9a-f]*", text) and len(text) % 2 == 0 else _unparsed(value)


_NORMALISERS = {
    "integer": _number, "number": _number, "float": _float, "real": lambda value: _float(value, single=True),
    "boolean": _boolean, "date": _date, "timestamp": _timestamp, "time": _time, "bytes": _bytes,
    "uuid": lambda value: str(value).strip().lower(),
    "text": str,
}


def normalise(value: Any, kind: str) -> Any:
    """A value in the form it is compared in, for a column of `kind` (see `column_kind`).
    Only the spelling changes, never the value. None stays None."""
    if value is None:
        return None
    return _NORMALISERS.get(kind, str)(value)


def has_fraction(value: Any) -> bool:
    """A number with a non-zero fractional part (10.3333, not 10.0000)."""
    number = _decimal(value)
    return number is not None and number.is_finite() and number != number.to_integral_value()


def display(value: Any) -> str | None:
    """A fetched value as text in the report, spelled the way SQL Server shows it."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, (bytes, bytearray, memoryview)):
        return "0x" + bytes(value).hex().upper()
    return str(value)
