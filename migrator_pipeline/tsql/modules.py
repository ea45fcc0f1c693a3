"""Module headers and procedure bodies: T-SQL text -> sqlglot statements.

`CREATE PROCEDURE/FUNCTION/VIEW/TRIGGER` headers are read from tokens (the shared lexer
in `tsql.lexer`), because sqlglot parses them only partly. Bodies are split into
statements by the same lexer (T-SQL needs no `;`) and each statement is parsed with
sqlglot's tsql dialect.

What `procedure_statements` returns, flattened in source order:
- one sqlglot expression per statement (`exp.Insert`, `exp.Merge`, `exp.Select`, ...);
- `exp.Return` for `RETURN [expr]`;
- control flow as markers: `exp.Command(this="IF"|"WHILE", expression=<condition text>)`
  and `exp.Command(this="ELSE", expression="")`, followed by the statements of their body
  (BEGIN/END and BEGIN TRY/END TRY are descended into and dropped);
- statements sqlglot cannot parse as `exp.Command(this=<first keyword>, expression=<rest
  of the text, a str>)`, the shape sqlglot itself falls back to.
Left out: `SET NOCOUNT ON` and `SET XACT_ABORT ON` (session noise) and the statements
of `BEGIN CATCH` blocks (error handling, not data flow).
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from dataclasses import dataclass, field

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError

from migrator_pipeline.tsql.lexer import MODULE_KINDS, Token, split_statements, tokenize
from migrator_pipeline.tsql.tokens import data_type_at, matching_paren, multipart_name, schema_and_name, split_commas

# sqlglot warns on every statement it keeps as a Command (cursors, WHILE, ...); those become
# findings and plan reasons here, so its warnings would only repeat them as noise on stderr.
logging.getLogger("sqlglot").setLevel(logging.ERROR)

_KIND_NAMES = {"PROC": "procedure", "PROCEDURE": "procedure", "FUNCTION": "function", "VIEW": "view", "TRIGGER": "trigger", "TABLE": "table"}
# statements sqlglot has no node for (it would misread `OPEN c` as an alias, `THROW` as a column)
_COMMAND_VERBS = frozenset(
    "IF ELSE WHILE OPEN CLOSE FETCH DEALLOCATE THROW RAISERROR PRINT BREAK CONTINUE GOTO WAITFOR".split()
)
_SESSION_NOISE = ("SET NOCOUNT ON", "SET XACT_ABORT ON")
_PARAMETER_SUFFIXES = frozenset({"OUTPUT", "OUT", "READONLY"})


@dataclass
class ModuleHeader:
    """What the `CREATE [OR ALTER] <kind> name ... AS` header of one statement says."""

    kind: str  # procedure | function | view | trigger | table
    schema: str
    name: str
    name_end: int  # token index just past the name
    parameters: list[list[str]] = field(default_factory=list)
    function_kind: str | None = None  # scalar | table, for functions
    body_start: int | None = None  # offset in the text where the body (after AS) starts
    # filled by `read_module_header`, which has the text: parameter name (lower case, without @)
    # -> the T-SQL text of its default, or None; and a trigger's table, `schema.name` as written
    parameter_defaults: dict[str, str | None] = field(default_factory=dict)
    trigger_table: str | None = None


def parse_module_header(tokens: list[Token]) -> ModuleHeader | None:
    """The header of `CREATE [OR ALTER] | ALTER <kind> name`, or None if the tokens are not one."""
    words = [t.upper for t in tokens[:4]]
    if not words or words[0] not in ("CREATE", "ALTER"):
        return None
    i = 3 if words[1:3] == ["OR", "ALTER"] else 1
    if i >= len(tokens) or tokens[i].upper not in _KIND_NAMES:
        return None
    kind = _KIND_NAMES[tokens[i].upper]
    parts, name_end = multipart_name(tokens, i + 1)
    if not parts:
        return None
    schema, name = schema_and_name(parts)
    header = ModuleHeader(kind, schema, name, name_end)
    if tokens[i].upper in MODULE_KINDS:
        _read_module_header(tokens, header)
    return header


def read_module_header(text: str) -> ModuleHeader | None:
    """The header of a module's whole text, with its parameter defaults and a trigger's table."""
    tokens = tokenize(text)
    header = parse_module_header(tokens)
    if header is None:
        return None
    if header.body_start is not None:
        header.parameter_defaults = _parameter_defaults(text, tokens, header)
    if header.kind == "trigger":
        on = next((i for i in range(header.name_end, len(tokens)) if tokens[i].upper == "ON"), None)
        parts, _ = multipart_name(tokens, on + 1) if on is not None else ([], 0)
        header.trigger_table = ".".join(schema_and_name(parts)) if parts else None
    return header


def _parameter_defaults(text: str, tokens: list[Token], header: ModuleHeader) -> dict[str, str | None]:
    listed = [t for t in tokens[header.name_end :] if t.end <= header.body_start]
    if listed and listed[-1].upper == "AS":
        listed = listed[:-1]
    depth, end = 0, len(listed)
    for index, token in enumerate(listed):
        depth += (token.text == "(") - (token.text == ")")
        if depth == 0 and token.upper in ("WITH", "FOR", "RETURNS"):
            end = index
            break
    listed = listed[:end]
    if listed and listed[0].text == "(" and matching_paren(listed, 0) == len(listed) - 1:
        listed = listed[1:-1]
    defaults: dict[str, str | None] = {}
    for piece in split_commas(listed):
        if not piece[0].text.startswith("@"):
            continue
        while len(piece) > 1 and piece[-1].upper in _PARAMETER_SUFFIXES:
            piece = piece[:-1]
        equals = next((i for i, t in enumerate(piece) if t.text == "="), None)
        value = text[piece[equals + 1].start : piece[-1].end] if equals is not None and equals + 1 < len(piece) else None
        defaults[piece[0].text.lstrip("@").lower()] = value
    return defaults


def _read_module_header(tokens: list[Token], header: ModuleHeader) -> None:
    body_index = _body_index(tokens, header.name_end)
    if body_index is not None:
        header.body_start = tokens[body_index].end if tokens[body_index].upper == "AS" else tokens[body_index].start
    if header.kind not in ("procedure", "function"):
        return
    i = header.name_end
    if i + 1 < len(tokens) and tokens[i].text == ";" and tokens[i + 1].kind == "number":
        i += 2  # numbered procedure: name;2
    stop = body_index if body_index is not None else len(tokens)
    end = next((k for k in range(i, stop) if tokens[k].upper in ("WITH", "FOR", "RETURNS") and _depth(tokens, i, k) == 0), stop)
    header.parameters = _parameters(tokens[i:end])
    if header.kind == "function" and end < stop and tokens[end].upper == "RETURNS" and end + 1 < len(tokens):
        returned = tokens[end + 1]
        header.function_kind = "table" if returned.upper == "TABLE" or returned.text.startswith("@") else "scalar"


def _depth(tokens: list[Token], start: int, stop: int) -> int:
    return sum((t.text == "(") - (t.text == ")") for t in tokens[start:stop])


def _body_index(tokens: list[Token], i: int) -> int | None:
    """Index of the `AS` (or, for a function without AS, the `BEGIN`) that starts the body."""
    depth = 0
    for k in range(i, len(tokens)):
        token = tokens[k]
        depth += (token.text == "(") - (token.text == ")")
        if depth or token.kind != "word":
            continue
        previous = tokens[k - 1].text if k else ""
        if token.upper == "AS" and previous.upper() not in ("EXEC", "EXECUTE") and not previous.startswith("@"):
            return k
        if token.upper == "BEGIN":
            return k
    return None


def _parameters(tokens: list[Token]) -> list[list[str]]:
    if tokens and tokens[0].text == "(" and matching_paren(tokens, 0) == len(tokens) - 1:
        tokens = tokens[1:-1]
    parameters = []
    for piece in split_commas(tokens):
        if not piece[0].text.startswith("@") or len(piece) < 2:
            continue
        i = 2 if piece[1].upper == "AS" else 1
        data_type, _ = data_type_at(piece, i)
        parameters.append([piece[0].text, data_type])
    return parameters


def procedure_statements(body: str) -> list[exp.Expression]:
    """The statements of a `CREATE PROCEDURE ... AS ...` text (see the module docstring)."""
    header = parse_module_header(tokenize(body))
    if header is not None and header.body_start is not None:
        body = body[header.body_start :]
    return block_statements(body)


def block_statements(text: str) -> list[exp.Expression]:
    """The statements of a T-SQL block (a module body after its `AS`)."""
    return body_statements(text)[0]


def body_statements(text: str) -> tuple[list[exp.Expression], list[tuple[str, int]]]:
    """The statements of a block, and the structural errors found (message, offset in text).

    Each caller gets trees of its own (it may rewrite them), copied from the ones parsed the
    first time: the catalog reads a module's body for its dependencies and the planner reads
    the same body again, and a copy costs a sixth of a parse."""
    with _PARSED_LOCK:
        parsed = _PARSED.get(text)
        if parsed is not None:
            _PARSED.move_to_end(text)
    if parsed is None:
        parsed = _parse_body(text)
        _remember(text, parsed)
    statements, errors = parsed
    return [statement.copy() for statement in statements], list(errors)


# Bodies parsed lately, most recent last: a bounded share of the estate's text (its trees take
# 35 to 70 bytes a character), enough for the bodies between the catalog's read and the plan's
_PARSED: OrderedDict[str, tuple[list[exp.Expression], list[tuple[str, int]]]] = OrderedDict()
_PARSED_BUDGET = 1_000_000  # characters of text
_PARSED_LOCK = threading.Lock()
_parsed_size = 0


def _remember(text: str, parsed: tuple[list[exp.Expression], list[tuple[str, int]]]) -> None:
    global _parsed_size
    if len(text) > _PARSED_BUDGET:
        return
    with _PARSED_LOCK:
        if text in _PARSED:
            return
        _PARSED[text] = parsed
        _parsed_size += len(text)
        while _parsed_size > _PARSED_BUDGET:
            forgotten, _ = _PARSED.popitem(last=False)
            _parsed_size -= len(forgotten)


def _parse_body(text: str) -> tuple[list[exp.Expression], list[tuple[str, int]]]:
    split = split_statements(tokenize(text))
    statements: list[exp.Expression] = []
    for statement in split.statements:
        if statement.in_catch:
            continue
        sql = text[statement.start : statement.end]
        if " ".join(sql.upper().split()) in _SESSION_NOISE:
            continue
        statements.extend(_parse_statement(statement.verb, sql))
    return statements, split.errors


def _command(verb: str, sql: str) -> exp.Command:
    rest = sql[len(verb) :].strip() if sql.upper().startswith(verb) else sql
    # the same shape as sqlglot's own Command fallback: the rest of the text as a str
    return exp.Command(this=verb, expression=rest)


def _parse_statement(verb: str, sql: str) -> list[exp.Expression]:
    if verb in _COMMAND_VERBS:
        return [_command(verb, sql)]
    if verb == "RETURN":
        rest = sql[len("RETURN") :].strip()
        if not rest:
            return [exp.Return()]
        parsed = _parse_one(rest)
        return [exp.Return(this=parsed)] if parsed is not None else [_command(verb, sql)]
    try:
        parsed = [e for e in sqlglot.parse(sql, read="tsql") if e is not None]
    except SqlglotError:
        return [_command(verb, sql)]
    return parsed or [_command(verb, sql)]


def _parse_one(sql: str) -> exp.Expression | None:
    try:
        return sqlglot.parse_one(sql, read="tsql")
    except SqlglotError:
        return None

