"""Values written in data scripts, read as SQL Server reads them: each literal typed (`'a'`
varchar, `N'a'` nvarchar, `1` int, `1.50` numeric, `1e0` float, `$1.5` money, `0x0A` varbinary),
`CAST`/`CONVERT` applied, the clock and user functions of defaults evaluated, `+` concatenated,
and the batch's DECLAREd constants substituted. Storing them in a column is `catalog.values`.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal

from migrator_pipeline.catalog.values import (
    BINARY_TYPES,
    DEFAULT,
    STRING_TYPES,
    ConversionError,
    Default,
    NotLiteral,
    Value,
    convert,
    format_datetime,
    round_datetime,
    type_family,
    type_length,
    type_parts,
    value_family,
)
from migrator_pipeline.tsql.lexer import Token, tokenize
from migrator_pipeline.tsql.tokens import data_type_at, matching_paren, split_commas, strip_parens

_NOW_FUNCTIONS = frozenset({"GETDATE", "SYSDATETIME", "CURRENT_TIMESTAMP", "GETUTCDATE", "SYSUTCDATETIME"})
_USER_FUNCTIONS = frozenset({"SUSER_SNAME", "SUSER_NAME", "USER_NAME", "SYSTEM_USER", "CURRENT_USER",
                             "SESSION_USER", "USER", "ORIGINAL_LOGIN"})
_GUID_FUNCTIONS = frozenset({"NEWID", "NEWSEQUENTIALID"})


def literal_value(token: Token) -> Value | None:
    """A literal token's value (NULL is None). Raises NotLiteral for anything else."""
    if token.kind == "string":
        national = token.text[0] in "Nn"
        text = token.text[2:-1] if national else token.text[1:-1]
        return Value("nvarchar" if national else "varchar", text.replace("''", "'"))
    if token.kind == "number":
        return number_value(token.text)
    if token.kind == "hex":
        return Value("varbinary", token.text[2:].upper())
    if token.upper == "NULL":
        return None
    raise NotLiteral(token.text)


def number_value(text: str) -> Value:
    """A number literal typed as SQL Server types it: int, numeric beyond int, float with an exponent."""
    if "e" in text or "E" in text:
        return Value("float", text)
    if "." not in text and -(2**31) <= int(text) <= 2**31 - 1:
        return Value("int", str(int(text)))
    return Value("numeric", format(Decimal(text), "f"))


def read_value(tokens: list[Token], now: datetime | None = None,
               variables: Mapping[str, Value | None] | None = None) -> Value | None | Default:
    """A VALUES item (or a DEFAULT expression) as a constant. Raises NotLiteral when it is not
    one, ConversionError when its own CAST fails (as SQL Server would). `variables` are the
    batch's `DECLARE @x type = constant`s, by lower-case name."""
    tokens = strip_parens(tokens)
    if not tokens:
        raise NotLiteral("")
    first = tokens[0].upper
    if len(tokens) == 1:
        if first == "DEFAULT":
            return DEFAULT
        if first == "CURRENT_TIMESTAMP":
            return _now(now)
        if first in ("SYSTEM_USER", "CURRENT_USER", "SESSION_USER", "USER"):
            return Value("nvarchar", "dbo")
        if first.startswith("@") and variables is not None and first.lower() in variables:
            return variables[first.lower()]
        return literal_value(tokens[0])
    if tokens[0].text in "+-" and tokens[0].kind == "punct":
        return _signed(tokens[0].text, read_value(tokens[1:], now, variables))
    if tokens[0].text == "$":  # a money constant: $12.5, $-12.5
        amount = read_value(tokens[1:], now, variables)
        if not isinstance(amount, Value) or type_family(type_parts(amount.type)[0]) not in ("integer", "decimal"):
            raise NotLiteral("$")
        return Value("money", format(Decimal(amount.text), "f"))
    if len(tokens) > 2 and tokens[1].text == "(" and matching_paren(tokens, 1) == len(tokens) - 1:
        return _function(first, tokens[2:-1], now, variables)
    pieces = _split_plus(tokens)
    if len(pieces) > 1:
        return _concatenate([read_value(piece, now, variables) for piece in pieces])
    raise NotLiteral(" ".join(t.text for t in tokens))


def _now(now: datetime | None) -> Value:
    moment = now or datetime.now()
    return Value("datetime", format_datetime(*round_datetime(moment.replace(microsecond=0), moment.microsecond * 10)))


def _signed(sign: str, value: Value | None | Default) -> Value | None:
    if value is None or value is DEFAULT:
        raise NotLiteral(sign)
    name, _ = type_parts(value.type)
    if type_family(name) not in ("integer", "decimal", "money", "float"):
        raise NotLiteral(sign + value.text)
    if sign == "+":
        return value
    text = value.text[1:] if value.text.startswith("-") else "-" + value.text
    if name == "int" and int(text) < -(2**31):
        return Value("numeric", text)
    return Value(value.type, text)


def _split_plus(tokens: list[Token]) -> list[list[Token]]:
    pieces: list[list[Token]] = [[]]
    depth = 0
    for token in tokens:
        if token.text == "+" and depth == 0 and pieces[-1]:
            pieces.append([])
            continue
        depth += (token.text == "(") - (token.text == ")")
        pieces[-1].append(token)
    return pieces


def _concatenate(values: list[Value | None | Default]) -> Value | None:
    if any(v is DEFAULT for v in values):
        raise NotLiteral("DEFAULT")
    if any(v is None for v in values):
        return None  # NULL + anything is NULL (CONCAT_NULL_YIELDS_NULL is ON)
    if not all(type_parts(v.type)[0] in STRING_TYPES for v in values):
        raise NotLiteral("+")
    national = any(type_parts(v.type)[0] in ("nchar", "nvarchar", "ntext") for v in values)
    return Value("nvarchar" if national else "varchar", "".join(v.text for v in values))


def _function(name: str, arguments: list[Token], now: datetime | None,
              variables: Mapping[str, Value | None] | None) -> Value | None:
    if name == "CAST":
        depth, split = 0, None
        for k, token in enumerate(arguments):
            depth += (token.text == "(") - (token.text == ")")
            if depth == 0 and token.upper == "AS":
                split = k
        if split is None:
            raise NotLiteral("CAST")
        target, _ = data_type_at(arguments, split + 1)
        return cast(read_value(arguments[:split], now, variables), target)
    if name in ("CONVERT", "TRY_CONVERT", "TRY_CAST"):
        pieces = split_commas(arguments)
        if name == "TRY_CAST" or len(pieces) < 2:
            raise NotLiteral(name)
        target, _ = data_type_at(pieces[0], 0)
        value = read_value(pieces[1], now, variables)
        style = read_value(pieces[2], now, variables) if len(pieces) > 2 else None
        dateformat = _STYLE_DATEFORMATS.get(style.text if isinstance(style, Value) else "", "mdy")
        try:
            return cast(value, target, dateformat)
        except ConversionError:
            if name == "TRY_CONVERT":
                return None
            raise
    if not arguments:
        if name in _NOW_FUNCTIONS:
            return _now(now)
        if name in _GUID_FUNCTIONS:
            return Value("uniqueidentifier", str(uuid.uuid4()).upper())
        if name in _USER_FUNCTIONS:
            return Value("nvarchar", "dbo")
    if name in ("CHAR", "NCHAR") and len(arguments) == 1 and arguments[0].kind == "number":
        return Value("nvarchar" if name == "NCHAR" else "varchar", chr(int(arguments[0].text)))
    raise NotLiteral(name)


# CONVERT styles that say how to read a date string: the common ones
_STYLE_DATEFORMATS = {"1": "mdy", "101": "mdy", "3": "dmy", "103": "dmy", "4": "dmy", "104": "dmy",
                      "5": "dmy", "105": "dmy", "110": "mdy", "111": "ymd", "120": "ymd", "121": "ymd",
                      "126": "ymd", "127": "ymd", "112": "ymd", "23": "ymd"}


def cast(value: Value | None | Default, target: str, dateformat: str = "mdy") -> Value | None:
    """An explicit CAST/CONVERT: like storing, except that a string too long is cut, not refused."""
    if value is None:
        return None
    if value is DEFAULT:
        raise NotLiteral("DEFAULT")
    name, args = type_parts(target)
    if name in BINARY_TYPES and value_family(value) == "string":  # explicit only: the string's bytes
        encoding = "utf-16-le" if type_parts(value.type)[0] in ("nvarchar", "nchar", "ntext") else "cp1252"
        value = Value("varbinary", value.text.encode(encoding, errors="replace").hex().upper())
    if name in STRING_TYPES or name in BINARY_TYPES:
        limit = type_length(name, args, explicit=True)
        text = convert(value, f"{name}(max)" if name not in ("text", "ntext", "image") else name, dateformat)
        if name in BINARY_TYPES:
            digits = text[2:] if text else ""
            digits = digits[: limit * 2] if limit else digits
            if name == "binary" and limit:
                digits = digits.ljust(limit * 2, "0")
            return Value(name, digits.upper())
        text = text[:limit] if limit else text
        return Value(name, text.ljust(limit) if name in ("char", "nchar") and limit else text)
    text = convert(value, target, dateformat)
    return None if text is None else Value(target, text)


def default_value(expression: str, now: datetime | None = None) -> Value | None:
    """A column DEFAULT's value (`((0))`, `(getdate())`, `N'x'`, `newid()`). Raises NotLiteral."""
    value = read_value(tokenize(expression), now)
    if value is DEFAULT:
        raise NotLiteral("DEFAULT")
    return value
