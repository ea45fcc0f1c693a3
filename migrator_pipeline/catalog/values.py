"""Values written in data scripts, stored the way SQL Server stores them.

Over 600 lines: each type family's general conversion sits beside the fast text path that must
agree with it (tests/catalog/test_values_text_paths.py holds them to each other).

A data script's value is read as SQL Server reads it (`catalog.value_literals`): each literal
has a type (`'a'` varchar, `N'a'` nvarchar, `1` int, `1.50` numeric, `1e0` float, `$1.5` money,
`0x0A` varbinary), and `CAST`/`CONVERT` convert it explicitly (the form SSMS's Generate Scripts
writes: `CAST(N'2023-12-31T23:00:00.000' AS DateTime)`, `CAST(100.00 AS Decimal(10, 2))`).
Storing a value in a column converts it implicitly to the column's type by SQL Server's rules,
not by PostgreSQL's parse of the text:
- 3 into bit is 1; '' into int, bit, float or money is 0, and into a date type 1900-01-01;
- 100 into decimal(10,2) is 100.00; decimals and money round half away from zero to their scale,
  a decimal into an integer truncates, money into an integer rounds;
- datetime keeps 1/300 s ticks (.000, .003, .007), smalldatetime whole minutes, datetime2(n)
  and time(n) n fractional digits; a datetime string has at most 3 of them;
- a string longer than its column, a number out of its type's range, '1.5' into int and a
  string into varbinary are errors, as in SQL Server.
A value SQL Server could not store raises ConversionError with SQL Server's message; the
script reader makes it a finding with file and line, and leaves that statement's rows out.

Values read from data files (BULK INSERT, CSV) are text converted like a string, except that a
binary column reads hex (`0x0AFF` or `0AFF`), as exports write it.

What comes out is text the way PostgreSQL's COPY reads it for the column's PostgreSQL type
(`tsql.types.postgres_type`); None is NULL.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

from migrator_pipeline.catalog.date_strings import date_parts, time_parts


class ConversionError(ValueError):
    """SQL Server could not store the value: its message, as SQL Server words it."""


class NotLiteral(ValueError):
    """A VALUES item that is not a constant: a column, a variable, a function of the session."""


@dataclass(frozen=True, slots=True)
class Value:
    """A constant as SQL Server types it. `type` is a SQL Server type as the catalog writes
    them (`varchar`, `int`, `numeric`, `decimal(10,2)`, `datetime`); `text` is canonical:
    a string's characters, a number's digits, binary as hex digits, a date as ISO text."""

    type: str
    text: str


class Default:
    """`DEFAULT` in a VALUES list: the column's default."""

    def __repr__(self) -> str:
        return "DEFAULT"


DEFAULT = Default()

_INTEGER_RANGES = {
    "tinyint": (0, 255),
    "smallint": (-(2**15), 2**15 - 1),
    "int": (-(2**31), 2**31 - 1),
    "integer": (-(2**31), 2**31 - 1),
    "bigint": (-(2**63), 2**63 - 1),
}
_MONEY_RANGES = {
    "money": Decimal("922337203685477.5807"),
    "smallmoney": Decimal("214748.3647"),
}
STRING_TYPES = frozenset({"char", "varchar", "nchar", "nvarchar", "text", "ntext", "sysname",
                           "character", "character varying", "national character varying", "char varying"})
_DECIMAL_TYPES = frozenset({"decimal", "numeric", "dec"})
_FLOAT_TYPES = frozenset({"float", "real", "double precision"})
BINARY_TYPES = frozenset({"binary", "varbinary", "image"})
_DATE_TYPES = frozenset({"date", "datetime", "datetime2", "smalldatetime", "time", "datetimeoffset"})
_ROWVERSION_TYPES = frozenset({"timestamp", "rowversion"})
# the session's clock: defaults and values that SQL Server evaluates when the row is inserted

_TYPE = re.compile(r"^(?P<name>[a-z][a-z0-9_ ]*?)\s*(?:\((?P<args>[^)]*)\))?$")
_INTEGER_TEXT = re.compile(r"^[+-]?\d+$")
_DECIMAL_TEXT = re.compile(r"^[+-]?(?:\d+\.?\d*|\.\d+)$")
_FLOAT_TEXT = re.compile(r"^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$")
_MONEY_TEXT = re.compile(r"^([+-]?)\s*[$\u00a3\u20ac\u00a5]?\s*([+-]?)((?:\d[\d,]*\.?\d*|\.\d+))$")
_GUID_TEXT = re.compile(r"^\{?([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})\}?$")
_HEX_TEXT = re.compile(r"^(?:0[xX])?([0-9a-fA-F]*)$")
_OFFSET = re.compile(r"\s*(Z|[+-]\d{1,2}:\d{2})$", re.I)


@functools.lru_cache(maxsize=4096)
def type_parts(data_type: str) -> tuple[str, tuple[str, ...]]:
    """`decimal(10, 2)` -> ("decimal", ["10", "2"]); `varchar(max)` -> ("varchar", ["max"]).
    Cached: data scripts ask for the same few types millions of times (callers never mutate it)."""
    match = _TYPE.match(data_type.replace("[", "").replace("]", "").strip().lower())
    if match is None:
        return data_type.lower(), ()
    args = tuple(a.strip() for a in (match["args"] or "").split(",") if a.strip())
    return " ".join(match["name"].split()), args


# ---------------------------------------------------------------- storing a value in a column


def convert(value: Value | str | None, target: str, dateformat: str | None = "mdy") -> str | None:
    """A value stored in a column of SQL Server type `target`, as COPY text (None is NULL).

    `value` is a Value read from a script, or a str read from a data file (`dateformat` None
    says the str is file text). Raises ConversionError when SQL Server could not store it."""
    if value is None:
        return None
    return column_converter(target, dateformat)(value)


@functools.lru_cache(maxsize=1024)
def column_converter(target: str, dateformat: str | None = "mdy") -> Callable[[Value | str], str]:
    """`convert` for one column type, resolved once: what storing a table's rows calls per value
    (never with None)."""
    name, args = type_parts(target)
    family = type_family(name)
    read_as = dateformat or "mdy"
    fast = _text_converter(family, name, args, read_as)
    general = _CONVERTERS.get(family)
    text_type = "file" if dateformat is None else "varchar"

    def stored(value: Value | str) -> str:
        if value.__class__ is str:
            # the common cases of data files, answered before the general path below
            if fast is not None and (answer := fast(value)) is not None:
                return answer
            value = Value(text_type, value)
        elif fast is not None and value.type in ("varchar", "nvarchar"):
            if (answer := fast(value.text)) is not None:
                return answer
        if general is None:
            return value.text  # xml, sql_variant, hierarchyid, spatial, alias types: the text as written
        return general(value, name, args, read_as)

    return stored


@functools.lru_cache(maxsize=1024)
def type_family(name: str) -> str:
    for family, names in (("integer", _INTEGER_RANGES), ("string", STRING_TYPES), ("decimal", _DECIMAL_TYPES),
                          ("money", _MONEY_RANGES), ("float", _FLOAT_TYPES), ("binary", BINARY_TYPES),
                          ("date", _DATE_TYPES), ("rowversion", _ROWVERSION_TYPES)):
        if name in names:
            return family
    return {"bit": "bit", "uniqueidentifier": "guid"}.get(name, "other")


def value_family(value: Value) -> str:
    """The family of a value's own type; file text reads like a string."""
    name, _ = type_parts(value.type)
    return "string" if name == "file" else type_family(name)


def _type_label(value: Value) -> str:
    name, _ = type_parts(value.type)
    return "varchar" if name == "file" else name


def _failed(value: Value, name: str) -> ConversionError:
    return ConversionError(f"Conversion failed when converting the {_type_label(value)} value '{value.text}' to data type {name}.")


def _overflow(value: Value, name: str) -> ConversionError:
    return ConversionError(f"Arithmetic overflow error converting {_type_label(value)} to data type {name}.")


def _not_allowed(value: Value, name: str) -> ConversionError:
    return ConversionError(f"Implicit conversion from data type {_type_label(value)} to {name} is not allowed.")


def _exact(value: Value, name: str) -> Decimal:
    """A number value's exact amount (strings are read by the caller). A datetime is its days
    since 1900-01-01; a binary its bytes as a big-endian integer."""
    source = value_family(value)
    value_type = type_parts(value.type)[0]
    if source in ("integer", "decimal", "money", "float", "bit"):
        return Decimal(value.text)
    if value_type in ("datetime", "smalldatetime"):
        moment = datetime.fromisoformat(value.text[:19])
        fraction = Decimal(value.text[20:23] or "0") / 1000 if len(value.text) > 19 else Decimal(0)
        seconds = (moment - datetime(1900, 1, 1)).total_seconds()
        return (Decimal(int(seconds)) + fraction) / 86400
    if source == "binary" and name in _INTEGER_RANGES:
        width = {"tinyint": 1, "smallint": 2, "bigint": 8}.get(name, 4)
        raw = bytes.fromhex(value.text if len(value.text) % 2 == 0 else "0" + value.text)[-width:]
        return Decimal(int.from_bytes(raw.rjust(width, b"\0"), "big", signed=name != "tinyint"))
    raise _not_allowed(value, name)


def _to_integer(value: Value, name: str, args: list[str], dateformat: str) -> str:
    source = value_family(value)
    if source == "string":
        text = value.text.strip()
        if text == "":
            return "0"
        if not _INTEGER_TEXT.match(text):
            raise _failed(value, name)
        number = int(text)
    else:
        amount = _exact(value, name)
        # money and datetime round, the other numbers truncate
        rounds = source == "money" or type_parts(value.type)[0] in ("datetime", "smalldatetime")
        rounding = ROUND_HALF_UP if rounds else ROUND_DOWN
        number = int(amount.to_integral_value(rounding=rounding))
    low, high = _INTEGER_RANGES[name]
    if not low <= number <= high:
        raise _overflow(value, name)
    return str(number)


def _to_bit(value: Value, name: str, args: list[str], dateformat: str) -> str:
    if value_family(value) == "string":
        if (stored := _bit_text(value.text)) is None:
            raise _failed(value, name)
        return stored
    return "1" if _exact(value, name) != 0 else "0"  # any non-zero number is stored as 1


def _to_decimal(value: Value, name: str, args: list[str], dateformat: str) -> str:
    precision = int(args[0]) if args else 18
    scale = int(args[1]) if len(args) > 1 else 0
    if value_family(value) == "string":
        text = value.text.strip()
        if not _DECIMAL_TEXT.match(text):
            raise ConversionError(f"Error converting data type {_type_label(value)} to numeric.")
        amount = Decimal(text)
    else:
        amount = _exact(value, name)
    # checked before rounding too: quantizing 1e30 to two places needs more digits than Decimal holds
    if amount != 0 and amount.adjusted() + 1 > precision - scale:
        raise ConversionError(f"Arithmetic overflow error converting {_type_label(value)} to data type numeric.")
    rounded = amount.quantize(Decimal(1).scaleb(-scale), rounding=ROUND_HALF_UP)
    if rounded != 0 and rounded.adjusted() + 1 > precision - scale:
        raise ConversionError(f"Arithmetic overflow error converting {_type_label(value)} to data type numeric.")
    return format(rounded, "f")


def _to_money(value: Value, name: str, args: list[str], dateformat: str) -> str:
    if value_family(value) == "string":
        text = value.text.strip()
        match = _MONEY_TEXT.match(text)
        if text == "":
            amount = Decimal(0)
        elif match is None or (match.group(1) and match.group(2)):
            raise ConversionError(f"Cannot convert a char value to {name}. The char value has incorrect syntax.")
        else:
            amount = Decimal(match.group(1) + match.group(2) + match.group(3).replace(",", ""))
    else:
        amount = _exact(value, name)
    if abs(amount) > _MONEY_RANGES[name] + 1:  # before rounding: 1e30 has too many digits to quantize
        raise _overflow(value, name)
    rounded = amount.quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)
    if abs(rounded) > _MONEY_RANGES[name]:
        raise _overflow(value, name)
    return format(rounded, "f")


def _to_float(value: Value, name: str, args: list[str], dateformat: str) -> str:
    if value_family(value) == "string":
        if (stored := _float_text_of(value.text)) is None:
            raise ConversionError(f"Error converting data type {_type_label(value)} to float.")
        return stored
    return repr(float(_exact(value, name)))


def type_length(name: str, args: list[str], explicit: bool = False) -> int | None:
    """A string or binary type's length; None for (max), text and image."""
    if name in ("text", "ntext", "image") or (args and args[0] == "max"):
        return None
    if args:
        return int(args[0])
    if name == "sysname":
        return 128
    return 30 if explicit else 1  # CAST(x AS varchar) is varchar(30); a column `varchar` is varchar(1)


def _to_string(value: Value, name: str, args: list[str], dateformat: str) -> str:
    text = _as_text(value)
    limit = type_length(name, args)
    if limit is not None and len(text.rstrip(" ") if name in ("char", "nchar") else text) > limit:
        # SQL Server ignores trailing blanks when it fits a string into a char column
        raise ConversionError(f"String or binary data would be truncated (a value of {len(text)} characters into {name}({limit})).")
    return text


def _as_text(value: Value) -> str:
    """A value converted to a string, as CAST(value AS varchar) writes it (style 0)."""
    source = value_family(value)
    name, args = type_parts(value.type)
    if source == "money":
        return format(Decimal(value.text).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP), "f")
    if source == "float":
        return _float_text(float(value.text))
    if source == "date":
        return _date_text(value, name, args)
    if source == "binary":
        return bytes.fromhex(value.text).decode("cp1252", errors="replace")
    return value.text


def _float_text(number: float) -> str:
    text = "%.6g" % number
    mantissa, e, exponent = text.partition("e")
    return f"{mantissa}e{exponent[0]}{int(exponent[1:]):03d}" if e else text


_MONTH_NAMES = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()


def _date_text(value: Value, name: str, args: list[str]) -> str:
    if name not in ("datetime", "smalldatetime"):
        return value.text
    moment = datetime.fromisoformat(value.text[:19])
    hour = moment.hour % 12 or 12
    return (f"{_MONTH_NAMES[moment.month - 1]} {moment.day:2d} {moment.year} "
            f"{hour:2d}:{moment.minute:02d}{'AM' if moment.hour < 12 else 'PM'}")


def _to_binary(value: Value, name: str, args: list[str], dateformat: str) -> str:
    source = value_family(value)
    if type_parts(value.type)[0] == "file":
        match = _HEX_TEXT.match(value.text.strip())
        if match is None or len(match.group(1)) % 2:
            raise ConversionError(f"Invalid hexadecimal text for {name}: '{value.text[:40]}'.")
        digits = match.group(1)
    elif source == "binary":
        digits = value.text if len(value.text) % 2 == 0 else "0" + value.text
    elif source == "integer":
        number = int(value.text)
        width = 4 if -(2**31) <= number < 2**31 else 8
        digits = number.to_bytes(width, "big", signed=True).hex()
    else:
        raise _not_allowed(value, name)
    limit = type_length(name, args)
    if limit is not None and len(digits) > limit * 2:
        raise ConversionError(f"String or binary data would be truncated (a value of {len(digits) // 2} bytes into {name}({limit})).")
    if name == "binary" and limit:
        digits = digits.ljust(limit * 2, "0")  # binary(n) pads with zero bytes on the right
    return "\\x" + digits.upper()


def _to_guid(value: Value, name: str, args: list[str], dateformat: str) -> str:
    if (stored := _guid_text(value.text)) is None:
        raise ConversionError("Conversion failed when converting from a character string to uniqueidentifier.")
    return stored


def _to_rowversion(value: Value, name: str, args: list[str], dateformat: str) -> str:
    raise ConversionError("Cannot insert an explicit value into a timestamp column.")


# CLR types whose binary form is SQL Server's own serialisation, kept as the text `0x...` of
# those bytes (the raw column is text): decoded as characters, they are not text at all
_SERIALISED_TYPES = frozenset({"geography", "geometry", "hierarchyid"})


def _to_other(value: Value, name: str, args: list[str], dateformat: str) -> str:
    if value.type in BINARY_TYPES and name.replace("]", "").rsplit(".", 1)[-1].lstrip("[") in _SERIALISED_TYPES:
        return "0x" + value.text.upper()
    return _as_text(value)


# ---------------------------------------------------------------- dates and times

_HUNDRED_NS = 10**7  # SQL Server's finest fraction of a second: 7 digits


def _to_date(value: Value, name: str, args: list[str], dateformat: str) -> str:
    moment, fraction, offset = _moment(value, name, dateformat)
    if name == "date":
        return moment.date().isoformat()
    if name == "time":
        moment, fraction = _round_fraction(moment, fraction, _digits(args))
        return _format_time(moment, fraction, _digits(args))
    if name == "datetime":
        if moment.year < 1753:
            raise _out_of_range(value, name)
        return format_datetime(*round_datetime(moment, fraction))
    if name == "smalldatetime":
        moment = _round_minute(moment, fraction)
        if not datetime(1900, 1, 1) <= moment <= datetime(2079, 6, 6, 23, 59):
            raise _out_of_range(value, name)
        return moment.strftime("%Y-%m-%d %H:%M:%S")
    digits = _digits(args)
    moment, fraction = _round_fraction(moment, fraction, digits)
    text = f"{moment.date().isoformat()} {_format_time(moment, fraction, digits)}"
    return f"{text}{offset or '+00:00'}" if name == "datetimeoffset" else text


def _out_of_range(value: Value, name: str) -> ConversionError:
    return ConversionError(f"The conversion of a {_type_label(value)} data type to a {name} data type resulted in an out-of-range value.")


def _digits(args: list[str]) -> int:
    return int(args[0]) if args and args[0].isdigit() else 7


def _moment(value: Value, target: str, dateformat: str) -> tuple[datetime, int, str | None]:
    """(whole seconds, fraction in 100 ns, UTC offset text) of a value stored in a date type."""
    source = value_family(value)
    if source == "string":
        return _moment_of_text(value, target, dateformat)
    if source == "date":  # a value already of a date type: its canonical text
        offset = _OFFSET.search(value.text) if type_parts(value.type)[0] == "datetimeoffset" else None
        text = value.text[: offset.start()] if offset else value.text
        moment, fraction, _ = _moment_of_text(Value("varchar", text), target, "ymd", strict=False)
        return moment, fraction, offset.group(1) if offset else None
    if source in ("integer", "decimal", "money", "float") and target in ("datetime", "smalldatetime"):
        days = Decimal(value.text)  # a number of days since 1900-01-01
        whole = int(days.to_integral_value(rounding=ROUND_DOWN))
        fraction = int(((days - whole) * 86400 * _HUNDRED_NS).to_integral_value(rounding=ROUND_HALF_UP))
        try:
            base = datetime(1900, 1, 1) + timedelta(days=whole)
        except OverflowError:
            raise _out_of_range(value, target) from None
        seconds, fraction = divmod(fraction, _HUNDRED_NS)
        return base + timedelta(seconds=seconds), fraction, None
    if source == "binary" and target in ("datetime", "smalldatetime"):
        return _moment_of_bytes(value, target)
    raise _not_allowed(value, target)


def _moment_of_bytes(value: Value, target: str) -> tuple[datetime, int, str | None]:
    """SQL Server's own bytes of a datetime, as old SSMS scripts write them: `CAST(0x0000A5E200000000
    AS DateTime)` is days since 1900-01-01 then 1/300 s ticks since midnight; a smalldatetime's
    are days then minutes."""
    raw = bytes.fromhex(value.text if len(value.text) % 2 == 0 else "0" + value.text)
    if target == "smalldatetime":
        raw = raw[-4:].rjust(4, b"\0")
        return datetime(1900, 1, 1) + timedelta(days=int.from_bytes(raw[:2], "big"), minutes=int.from_bytes(raw[2:], "big")), 0, None
    raw = raw[-8:].rjust(8, b"\0")
    days, ticks = int.from_bytes(raw[:4], "big", signed=True), int.from_bytes(raw[4:], "big")
    seconds, remainder = divmod(ticks, 300)
    try:
        moment = datetime(1900, 1, 1) + timedelta(days=days, seconds=seconds)
    except OverflowError:
        raise _out_of_range(value, target) from None
    return moment, remainder * _HUNDRED_NS // 300, None


def _moment_of_text(value: Value, target: str, dateformat: str, strict: bool = True) -> tuple[datetime, int, str | None]:
    text = value.text.strip()
    if text == "":
        return datetime(1900, 1, 1), 0, None
    offset = None
    if match := _OFFSET.search(text):
        if match.group(1).upper() != "Z" and target != "datetimeoffset" and not re.match(r"^\d{4}-\d\d-\d\dT", text):
            raise ConversionError("Conversion failed when converting date and/or time from character string.")
        offset = None if match.group(1).upper() == "Z" else _offset_text(match.group(1))
        text = text[: match.start()]
    time_only = time_parts(text)
    if time_only is not None:
        (hour, minute, second, fraction) = time_only
        day, clock = date(1900, 1, 1), (hour, minute, second, fraction)
    else:
        parts = date_parts(text, target, dateformat)
        if parts is None:
            raise ConversionError("Conversion failed when converting date and/or time from character string.")
        (year, month, day_number), time_text = parts
        try:
            day = date(year, month, day_number)
        except ValueError:
            raise _out_of_range(value, target) from None
        clock = time_parts(time_text.strip()) if time_text else (0, 0, 0, 0)
        if clock is None:
            raise ConversionError("Conversion failed when converting date and/or time from character string.")
    hour, minute, second, fraction = clock
    if strict and target in ("datetime", "smalldatetime") and fraction % 10_000:
        # datetime strings hold at most milliseconds: '...:00.1234' is not a datetime
        raise ConversionError("Conversion failed when converting date and/or time from character string.")
    return datetime(day.year, day.month, day.day, hour, minute, second), fraction, offset


def _offset_text(written: str) -> str:
    sign, rest = written[0], written[1:]
    hours, minutes = rest.split(":")
    return f"{sign}{int(hours):02d}:{minutes}"


def _round_fraction(moment: datetime, fraction: int, digits: int) -> tuple[datetime, int]:
    unit = 10 ** (7 - digits)
    rounded = (fraction + unit // 2) // unit * unit
    if rounded >= _HUNDRED_NS:
        return moment + timedelta(seconds=1), 0
    return moment, rounded


def round_datetime(moment: datetime, fraction: int) -> tuple[datetime, int]:
    """datetime keeps 1/300 s ticks: .000, .003, .007, rounded half up (.995 -> .997, .999 -> next second)."""
    ticks = (fraction * 300 * 2 + _HUNDRED_NS) // (2 * _HUNDRED_NS)
    if ticks >= 300:
        return moment + timedelta(seconds=1), 0
    return moment, (ticks * 20 + 3) // 6  # milliseconds shown: 1 tick is 3.33 ms -> .003


def format_datetime(moment: datetime, milliseconds: int) -> str:
    return f"{moment.strftime('%Y-%m-%d %H:%M:%S')}.{milliseconds:03d}"


def _round_minute(moment: datetime, fraction: int) -> datetime:
    """smalldatetime: 29.998 s and less round down, 29.999 s and more up."""
    whole = moment.replace(second=0)
    milliseconds = moment.second * 1000 + fraction // 10_000
    return whole + timedelta(minutes=1) if milliseconds >= 29_999 else whole


def _format_time(moment: datetime, fraction: int, digits: int) -> str:
    clock = moment.strftime("%H:%M:%S")
    if digits == 0:
        return clock
    return f"{clock}.{fraction // 10 ** (7 - digits):0{digits}d}"


_ISO_MOMENT = re.compile(r"(\d{4})-(\d\d)-(\d\d)(?:([ T])(\d\d):(\d\d):(\d\d)(?:\.(\d{1,7}))?)?")


def _text_converter(family: str, name: str, args: tuple[str, ...], dateformat: str) -> Callable[[str], str | None] | None:
    """For one column type, what the general path makes of a string's text in its common cases,
    with the type's parameters bound once (data scripts store millions of values in a few
    types); None where the general path must decide, or raise SQL Server's error."""
    if family == "string":
        limit = None if name in ("text", "ntext") or (args and args[0] == "max") else type_length(name, args)
        if limit is None:
            return _same_text
        return lambda text: text if len(text) <= limit else None
    if family == "integer":
        return functools.partial(_integer_text, *_INTEGER_RANGES[name], _SAFE_DIGITS[name])
    if family == "date":
        return functools.partial(_fast_date, name, args, dateformat)
    return _TEXT_CONVERTERS.get(family)


def _same_text(text: str) -> str:
    return text


# digits that any value of the type holds: such text without a leading zero is its own canonical form
_SAFE_DIGITS = {"tinyint": 2, "smallint": 4, "int": 9, "integer": 9, "bigint": 18}


def _integer_text(low: int, high: int, safe_digits: int, text: str) -> str | None:
    if not (text.isascii() and text.isdigit() and len(text) < 19):
        return None
    if len(text) <= safe_digits and (text[0] != "0" or len(text) == 1):
        return text
    number = int(text)
    return str(number) if low <= number <= high else None


@functools.lru_cache(maxsize=65536)  # a table's dates repeat (ModifiedDate): parse each once
def _fast_date(name: str, args: tuple[str, ...], dateformat: str, text: str) -> str | None:
    """`YYYY-MM-DD[ hh:mm:ss[.f]]`, the form exports and scripts mostly use: what `_to_date` makes
    of it, without its general parse. Year-first with a space reads year-day-month for datetime
    under DATEFORMAT dmy/dym/ydm: left to the general path."""
    match = _ISO_MOMENT.fullmatch(text)
    if match is None or (match.group(4) != "T" and name in ("datetime", "smalldatetime") and dateformat in ("dmy", "dym", "ydm")):
        return None
    year, month, day = int(match.group(1)), int(match.group(2)), int(match.group(3))
    try:
        date(year, month, day)
    except ValueError:
        return None
    if match.group(5) is None:
        clock, fraction = "00:00:00", ""
    else:
        if int(match.group(5)) > 23 or int(match.group(6)) > 59 or int(match.group(7)) > 59:
            return None  # SQL Server refuses it, into a date too
        clock, fraction = text[11:19], match.group(8) or ""
    if name == "date":
        return text[:10]
    if name not in ("datetime", "datetime2") or (name == "datetime" and year < 1753):
        return None
    if name == "datetime":
        if len(fraction) > 3:
            return None
        milliseconds = int(fraction.ljust(3, "0")) if fraction else 0
        ticks = (milliseconds * 3 + 5) // 10
        if ticks >= 300:
            return None  # rounds into the next second: the general path carries it
        return f"{text[:10]} {clock}.{(ticks * 20 + 3) // 6:03d}"
    digits = _digits(args)
    if len(fraction) > digits:
        return None
    return f"{text[:10]} {clock}.{fraction.ljust(digits, '0')}" if digits else f"{text[:10]} {clock}"


# A string's text stored as uniqueidentifier, float or bit, or None where SQL Server refuses it:
# the string branch of `_to_guid`, `_to_float` and `_to_bit`, which raise with SQL Server's words.

def _guid_text(text: str) -> str | None:
    match = _GUID_TEXT.match(text.strip())
    return match.group(1).upper() if match is not None else None


def _float_text_of(text: str) -> str | None:
    text = text.strip()
    if text == "":
        return "0"
    return repr(float(text)) if _FLOAT_TEXT.match(text) else None


def _bit_text(text: str) -> str | None:
    text = text.strip()
    if text.upper() in ("TRUE", "FALSE"):
        return "1" if text.upper() == "TRUE" else "0"
    if text == "":
        return "0"
    if not _INTEGER_TEXT.match(text):
        return None
    return "1" if int(text) != 0 else "0"


_TEXT_CONVERTERS = {"guid": _guid_text, "float": _float_text_of, "bit": _bit_text}


_CONVERTERS = {
    "integer": _to_integer, "bit": _to_bit, "decimal": _to_decimal, "money": _to_money,
    "float": _to_float, "string": _to_string, "binary": _to_binary, "date": _to_date,
    "guid": _to_guid, "rowversion": _to_rowversion, "other": _to_other,
}
