"""A multi-statement scalar function as a PL/pgSQL function that the dbt project creates.

When a body cannot fold into one expression (planning/scalar_functions.py) — `IF ... BEGIN ...
END` blocks, WHILE loops, a RETURN before the end — it is translated statement by statement:
- `DECLARE @v type [= value]`: `v type` in the function's DECLARE section (NULL at first, as in
  SQL Server), the value assigned where the DECLARE stands (in a loop, each time round);
- `SET @v = x` and `SELECT @v = x` without FROM: `v := x`, converted to @v's type;
- `SELECT @v = x, @w = y FROM ...`: a FOR loop over the query's rows (into a record) that
  assigns each row's values in turn, so that, as in SQL Server, no row leaves the variables as
  they were and several leave the last one's;
- `IF`/`ELSE` -> `if ... then ... else ... end if`, `WHILE` -> `while ... loop ... end loop`,
  `BREAK` -> `exit`, `CONTINUE` -> `continue`, `RETURN x` -> `return x` (converted to the
  function's RETURNS type).
Every expression goes through the T-SQL translator like a model's (SQL Server's semantics, tables
as `source()`/`ref()`): the executor translates each T-SQL SELECT of a `BodyLine`. Variables and
parameters are read qualified by the function's name, the label of its outer block too (a
column of the same name can never capture them), and cast to their SQL Server type so the
type-aware rewrites know it. Anything else raises `FoldError` naming the construct: table
variables, cursors, a SELECT that assigns a variable it reads (row-by-row accumulation), ...
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sqlglot import exp

from migrator_pipeline.planning.model import BodyLine, PlannedMacro
from migrator_pipeline.planning.scalar_functions import (
    CLR_TYPES, FoldError, assignments, condition, function_types, lookup_assignments)
from migrator_pipeline.tsql.identifiers import fold_identifier, sql_name
from migrator_pipeline.tsql.lexer import split_statements, tokenize
from migrator_pipeline.tsql.modules import block_statements
from migrator_pipeline.tsql.types import UnknownTypeError, postgres_type

VALUE = "migrated_value"  # the alias of the one value a translated SELECT stands for
# the record a lookup's rows are read into (a FOR loop over a query sets its scalar targets to
# NULL when there is no row, where SQL Server leaves the variables as they were)
ROW = "migrated_row"
# PL/pgSQL's own reserved words that PostgreSQL's SQL does not reserve: quoted as names
_PLPGSQL_RESERVED = frozenset({"begin", "declare", "execute", "foreach", "if", "loop", "strict", "while", "by"})
_CURSOR_VERBS = frozenset({"OPEN", "FETCH", "CLOSE", "DEALLOCATE"})
_COMPOUND = re.compile(r"^\s*SET\s+(?P<v>@\w+)\s*(?P<op>[-+*/%&|^])=\s*(?P<x>.+?)\s*;?\s*$", re.IGNORECASE | re.DOTALL)


@dataclass
class _Statement:
    verb: str
    sql: str  # the statement's text; for IF and WHILE, the condition's


@dataclass
class _Control:
    verb: str  # IF | WHILE
    condition: str
    body: list = field(default_factory=list)
    otherwise: list | None = None


@dataclass
class _Scope:
    """What the statements of one function read: its name (the label), and the SQL Server type
    of each variable and parameter (folded name, without @)."""

    label: str
    types: dict[str, exp.DataType]
    returns: exp.DataType
    reads_rows: bool = False  # a lookup loops over its rows in the record ROW


def plan_plpgsql_function(name: str, key: str, parameters: list[list[str]], header: str, body: str) -> PlannedMacro:
    """The PL/pgSQL database function of a scalar function whose `body` (the text after its
    AS) is not one expression; `header`: the CREATE text before it. Raises FoldError naming
    what it cannot translate."""
    signature = function_types(header, parameters)
    if "$body$" in body.lower():
        raise FoldError("scalar function whose text holds `$body$`, the quote of the PL/pgSQL body")
    tree = _tree(body)
    types = {fold_identifier(p.lstrip("@")): exp.DataType.build(t, dialect="tsql") for p, t in parameters}
    variables = _declared(tree)
    scope = _Scope(name, {**types, **variables}, exp.DataType.build(signature.returns_tsql, dialect="tsql"))
    if ROW in scope.types:
        raise FoldError(f"scalar function with a variable @{ROW}, the name its PL/pgSQL keeps for rows")
    body_lines: list[BodyLine] = []
    for node in tree:
        _emit(node, 1, scope, body_lines)
    declarations = [BodyLine(1, f"{plpgsql_name(v)} {_postgres_type(t)};") for v, t in variables.items()]
    declarations += [BodyLine(1, f"{ROW} record;")] if scope.reads_rows else []
    lines = [BodyLine(0, "#variable_conflict use_column"), BodyLine(0, f"<<{plpgsql_name(name)}>>")]
    lines += [BodyLine(0, "declare"), *declarations] if declarations else []
    lines += [BodyLine(0, "begin"), *body_lines, BodyLine(0, "end;")]
    arguments = [fold_identifier(p.lstrip("@")) for p, _ in parameters]
    return PlannedMacro(name, key, arguments, "", argument_types=signature.arguments, returns=signature.returns,
                        plpgsql=lines)


def plpgsql_name(folded: str) -> str:
    """A folded name as PL/pgSQL writes it: quoted when SQL or PL/pgSQL reserves it."""
    if folded in _PLPGSQL_RESERVED:
        return exp.to_identifier(folded, quoted=True).sql(dialect="postgres")
    return sql_name(folded)


# ------------------------------------------------------------------ the body's structure

def _tree(body: str) -> list:
    """The body's statements as a tree: BEGIN ... END blocks flattened into their parent, IF
    and WHILE holding the statement (or block) they govern."""
    tokens = tokenize(body)
    split = split_statements(tokens)
    if split.errors:
        raise FoldError(f"scalar function whose body cannot be read: {split.errors[0][0]}")
    covered = [(s.start, s.end) for s in split.statements]
    events: list[tuple[int, object]] = [(s.start, s) for s in split.statements]
    for index, token in enumerate(tokens):
        if token.kind == "word" and token.upper in ("BEGIN", "END") and not any(a <= token.start < b for a, b in covered):
            following = tokens[index + 1].upper if index + 1 < len(tokens) else ""
            if following in ("TRY", "CATCH"):
                raise FoldError(f"scalar function with {token.upper} {following}: no PL/pgSQL translation")
            events.append((token.start, token.upper))
    events.sort(key=lambda event: event[0])
    items = [e if isinstance(e, str) else _Statement(e.verb, body[e.start : e.end]) for _, e in events]
    nodes, position = [], 0
    while position < len(items):
        node, position = _node(items, position)
        nodes.extend(node)
    return nodes


def _node(items: list, position: int) -> tuple[list, int]:
    """The node at `position` (a list: a block's statements) and the position after it."""
    item = items[position]
    if item == "BEGIN":
        block, position = [], position + 1
        while position < len(items) and items[position] != "END":
            node, position = _node(items, position)
            block.extend(node)
        if position >= len(items):
            raise FoldError("scalar function with a BEGIN without END")
        return block, position + 1
    if item == "END":
        raise FoldError("scalar function with an END without BEGIN")
    if item.verb in ("IF", "WHILE"):
        control = _Control(item.verb, item.sql[len(item.verb) :].strip())
        if position + 1 >= len(items):
            raise FoldError(f"scalar function with an {item.verb} that governs nothing")
        control.body, position = _node(items, position + 1)
        following = items[position] if position < len(items) else None
        if item.verb == "IF" and isinstance(following, _Statement) and following.verb == "ELSE":
            if position + 1 >= len(items):
                raise FoldError("scalar function with an ELSE that governs nothing")
            control.otherwise, position = _node(items, position + 1)
        return [control], position
    if item.verb == "ELSE":
        raise FoldError("scalar function with an ELSE without IF")
    return [item], position + 1


def _declared(tree: list) -> dict[str, exp.DataType]:
    """Every variable the body declares (anywhere: SQL Server scopes them to the whole body)."""
    variables: dict[str, exp.DataType] = {}
    for statement in _statements(tree):
        for parsed in block_statements(statement.sql) if statement.verb == "DECLARE" else []:
            for item in parsed.expressions if isinstance(parsed, exp.Declare) else []:
                names = item.this if isinstance(item.this, list) else [item.this]
                kind = item.args.get("kind")
                if not isinstance(kind, exp.DataType) or not all(isinstance(n, exp.Parameter) for n in names):
                    raise FoldError("scalar function declaring a table variable or a cursor: no PL/pgSQL translation")
                if kind.sql("tsql").lower() in CLR_TYPES:
                    raise FoldError(f"scalar function with a {kind.sql('tsql')} variable: a CLR type PostgreSQL lacks")
                variables.update({fold_identifier(n.name): kind for n in names})
    return variables


def _statements(tree: list):
    for node in tree:
        if isinstance(node, _Control):
            yield from _statements(node.body)
            yield from _statements(node.otherwise or [])
        else:
            yield node


def _postgres_type(kind: exp.DataType) -> str:
    try:
        return postgres_type(kind.sql("tsql"))
    except UnknownTypeError as error:
        raise FoldError(f"scalar function with a type PostgreSQL lacks: {error}") from None


# ------------------------------------------------------------------ PL/pgSQL lines

def _emit(node, depth: int, scope: _Scope, lines: list[BodyLine]) -> None:
    if isinstance(node, _Control):
        verb, opening, closing = ("if", "then", "end if;") if node.verb == "IF" else ("while", "loop", "end loop;")
        lines.append(_condition_line(depth, verb, opening, condition(node.condition), scope))
        for child in node.body:
            _emit(child, depth + 1, scope, lines)
        if node.otherwise is not None:
            lines.append(BodyLine(depth, "else"))
            for child in node.otherwise:
                _emit(child, depth + 1, scope, lines)
        lines.append(BodyLine(depth, closing))
        return
    compound = _COMPOUND.match(node.sql)
    if compound:  # SET @v += x: SET @v = @v + (x)
        node = _Statement("SET", f"SET {compound['v']} = {compound['v']} {compound['op']} ({compound['x']})")
    for statement in block_statements(node.sql):
        lines.extend(_statement_lines(statement, depth, scope))


def _statement_lines(statement: exp.Expression, depth: int, scope: _Scope) -> list[BodyLine]:
    if isinstance(statement, exp.Declare):  # the variables are declared up front; a value is assigned here
        return [_assignment(depth, fold_identifier(name.name), item.args["default"], scope)
                for item in statement.expressions if isinstance(item.args.get("default"), exp.Expression)
                for name in (item.this if isinstance(item.this, list) else [item.this])]
    if isinstance(statement, exp.Return):
        if statement.this is None:
            raise FoldError("scalar function with a RETURN without a value")
        value = _read(statement.this, scope)
        if not (isinstance(value, exp.Cast) and value.to == scope.returns):
            value = exp.Cast(this=value, to=scope.returns.copy())  # converted to the RETURNS type
        return [_value_line(depth, "return ", value, ";")]
    pairs = assignments(statement)
    if pairs is not None:
        return [_assignment(depth, name, value, scope) for name, value in pairs]
    if lookup_assignments(statement) is not None:
        return _lookup(statement, depth, scope)
    if isinstance(statement, exp.Command) and statement.name.upper() in ("BREAK", "CONTINUE"):
        return [BodyLine(depth, "exit;" if statement.name.upper() == "BREAK" else "continue;")]
    verb = statement.name.upper() if isinstance(statement, exp.Command) else statement.key.upper()
    if verb == "DECLARE" or verb in _CURSOR_VERBS:
        raise FoldError("scalar function with a cursor: no PL/pgSQL translation")
    if verb == "SET":
        raise FoldError("scalar function with a SET other than `SET @v = value`: no PL/pgSQL translation")
    raise FoldError(f"scalar function with {verb}: no PL/pgSQL translation")


def _assignment(depth: int, name: str, value: exp.Expression, scope: _Scope) -> BodyLine:
    target = f"{plpgsql_name(name)} := "
    if isinstance(value, exp.Null):
        return BodyLine(depth, target + "null;")
    return _value_line(depth, target, _converted(_read(value, scope), name, scope), ";")


def _lookup(select: exp.Select, depth: int, scope: _Scope) -> list[BodyLine]:
    """`SELECT @v = x, ... FROM ...`: each row assigned in turn by a FOR loop (the module's doc)."""
    pairs = lookup_assignments(select)
    assigned = {name for name, _ in pairs}
    query = select.copy()
    query.set("expressions", [])
    read = {fold_identifier(p.name) for p in query.find_all(exp.Parameter)}
    read |= {fold_identifier(p.name) for _, value in pairs for p in value.find_all(exp.Parameter)}
    if assigned & read:
        raise FoldError("scalar function with a SELECT that assigns a variable it reads (row by row): "
                        "no PL/pgSQL translation")
    query = _read(query, scope)
    query.set("expressions", [exp.alias_(_converted(_read(value, scope), name, scope), name)
                              for name, value in pairs])
    scope.reads_rows = True
    return [BodyLine(depth, "-- each row assigned in turn, as in SQL Server: the last one stays, no row changes nothing"),
            BodyLine(depth, f"for {ROW} in ", query.sql("tsql"), "query", " loop"),
            *[BodyLine(depth + 1, f"{plpgsql_name(name)} := {ROW}.{plpgsql_name(name)};") for name, _ in pairs],
            BodyLine(depth, "end loop;")]


def _condition_line(depth: int, verb: str, opening: str, condition_tsql: exp.Expression, scope: _Scope) -> BodyLine:
    select = exp.select(exp.alias_(exp.Literal.number(1), VALUE)).where(_read(condition_tsql, scope))
    return BodyLine(depth, f"{verb} ", select.sql("tsql"), "condition", f" {opening}")


def _value_line(depth: int, before: str, value: exp.Expression, after: str) -> BodyLine:
    return BodyLine(depth, before, exp.select(exp.alias_(value, VALUE)).sql("tsql"), "value", after)


def _converted(value: exp.Expression, name: str, scope: _Scope) -> exp.Expression:
    """An assignment converts to the variable's type, as SQL Server's implicit conversion does."""
    kind = scope.types.get(name)
    if kind is None:
        raise FoldError(f"scalar function assigning an undeclared variable @{name}")
    if isinstance(value, exp.Cast) and value.to == kind:
        return value  # a variable of the same type: already converted
    return exp.Cast(this=value, to=kind.copy())


def _read(expression: exp.Expression, scope: _Scope) -> exp.Expression:
    """Each `@v` as the function's `label.v`, cast to its SQL Server type."""
    expression = expression.copy()
    for parameter in list(expression.find_all(exp.Parameter)):
        if isinstance(parameter.this, exp.Parameter) or isinstance(parameter.parent, exp.Parameter):
            raise FoldError(f"scalar function reading {_system_variable(parameter)}: no PL/pgSQL translation")
        key = fold_identifier(parameter.name)
        if key not in scope.types:
            raise FoldError(f"scalar function reading @{parameter.name}, which it does not declare")
        column = exp.Column(this=exp.to_identifier(key), table=exp.to_identifier(scope.label))
        replacement = exp.Cast(this=column, to=scope.types[key].copy())
        if parameter is expression:
            return replacement
        parameter.replace(replacement)
    return expression


def _system_variable(parameter: exp.Parameter) -> str:
    outer = parameter.parent if isinstance(parameter.parent, exp.Parameter) else parameter
    return "@@" + outer.this.name.upper()
