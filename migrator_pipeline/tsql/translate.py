"""T-SQL queries and expressions as PostgreSQL for dbt models and macros.

The T-SQL is parsed with sqlglot, rewritten by `rewrite_order.REWRITES` (SQL Server semantics),
then tables and scalar-function calls are replaced by placeholder identifiers, every
identifier is folded, PostgreSQL is generated, and the placeholders become Jinja text at
the very end, so that the generator never sees (or mangles) Jinja braces.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

import sqlglot
from sqlglot import exp
from sqlglot.errors import ErrorLevel, ParseError, TokenError, UnsupportedError
from sqlglot.tokens import TokenType

from migrator_pipeline.tsql.identifiers import POSTGRES_RESERVED as _POSTGRES_RESERVED
from migrator_pipeline.tsql.identifiers import fold_identifier
from migrator_pipeline.tsql.rewrite_order import apply_rewrites
from migrator_pipeline.tsql.rewrites import RewriteContext, TranslationError, error_at
from migrator_pipeline.tsql.sqlserver_types import Typing
from migrator_pipeline.tsql.syntax import is_cte_reference, parse_tsql, reference_key

__all__ = ["TranslationError", "postgres_sql", "translate_expression", "translate_select", "with_query_types"]

# Tokens whose text is data, not SQL words: never change their case.
_STRING_TOKENS = {
    TokenType.STRING,
    TokenType.NATIONAL_STRING,
    TokenType.RAW_STRING,
    TokenType.HEREDOC_STRING,
    TokenType.BIT_STRING,
    TokenType.HEX_STRING,
    TokenType.BYTE_STRING,
    TokenType.UNICODE_STRING,
    TokenType.IDENTIFIER,
}

_PLACEHOLDER = re.compile(r"\bmigrator_jinja_\d+\b")
_JINJA_EXPRESSION = re.compile(r"^\{\{-?\s*(.*?)\s*-?\}\}$", re.DOTALL)
_OPERATOR_NODES = (exp.Binary, exp.Unary, exp.Between, exp.In, exp.Is)


@dataclass
class _Placeholders:
    """Placeholder identifier -> (text in the SQL, the same as a Jinja expression)."""

    texts: dict[str, str] = field(default_factory=dict)
    expressions: dict[str, str] = field(default_factory=dict)

    def add(self, text: str, expression: str) -> str:
        name = f"migrator_jinja_{len(self.texts)}"
        self.texts[name] = text
        self.expressions[name] = expression
        return name

    def add_jinja(self, jinja: str) -> str:
        """Jinja text such as `{{ ref('x') }}`; plain text is kept as it is."""
        match = _JINJA_EXPRESSION.match(jinja.strip())
        return self.add(jinja, match[1] if match else _jinja_string(jinja))

    def render(self, sql: str) -> str:
        return _PLACEHOLDER.sub(lambda m: self.texts[m[0]], sql)

    def as_jinja_argument(self, sql: str) -> str:
        """SQL text as a Jinja expression: string literals joined by `~` to the placeholders'
        own Jinja expressions (Jinja does not render `{{ }}` inside a string)."""
        parts, position = [], 0
        for match in _PLACEHOLDER.finditer(sql):
            if match.start() > position:
                parts.append(_jinja_string(sql[position : match.start()]))
            parts.append(self.expressions[match[0]])
            position = match.end()
        if position < len(sql) or not parts:
            parts.append(_jinja_string(sql[position:]))
        return " ~ ".join(parts)


def _jinja_string(text: str) -> str:
    """A Jinja string literal: backslashes and single quotes escaped."""
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def translate_select(
    tsql: str,
    *,
    relations: Mapping[str, str],
    macros: Mapping[str, str] | None = None,
    column_types: Mapping[str, Mapping[str, str]] | None = None,
    case_sensitive: bool = False,
) -> str:
    """One T-SQL query as PostgreSQL, with tables as the Jinja in `relations` (by object key)
    and calls to the scalar functions in `macros` (object key -> macro name) as macro calls.
    `case_sensitive` is for a database whose collation is `_CS_`/`_BIN`; by default strings
    compare as under SQL Server's default case-insensitive collation."""
    tree = _parse_query(tsql)
    _reject_variables(tree)
    _reject_sql_server_only_functions(tree)
    tree = apply_rewrites(tree, RewriteContext(column_types or {}, case_sensitive))
    placeholders = _Placeholders()
    _substitute_relations(tree, relations, placeholders)
    _fold_identifiers(tree)
    _substitute_macros(tree, macros or {}, placeholders)
    return placeholders.render(_generate(tree, pretty=True))


def translate_expression(
    tsql_expression: str, parameters: list[str], *, macros: Mapping[str, str] | None = None,
    case_sensitive: bool = False,
) -> str:
    """One T-SQL scalar expression (a function's RETURN) as PostgreSQL, each `@param`
    becoming `{{ param }}` (folded name), for the body of a dbt macro."""
    select = _parse_expression(tsql_expression)
    select = apply_rewrites(select, RewriteContext(case_sensitive=case_sensitive))
    placeholders = _Placeholders()
    _substitute_parameters(select, {fold_identifier(p.lstrip("@")) for p in parameters}, placeholders)
    _fold_identifiers(select)
    _substitute_macros(select, macros or {}, placeholders)
    if select.args.get("from_") is not None:
        raise TranslationError(f"expected a scalar expression, got a query: {tsql_expression.strip()[:60]}")
    expression = select.expressions[0]
    if isinstance(expression, _OPERATOR_NODES):
        # A macro call stands where any operand can: its SQL must bind as one operand.
        expression = exp.paren(expression, copy=False)
    return placeholders.render(_generate(expression, pretty=False))


def with_query_types(
    column_types: Mapping[str, Mapping[str, str]], queries: list[tuple[str, str]]
) -> dict[str, dict[str, str]]:
    """The column types of tables, and of the queries (object key, T-SQL SELECT) that read them,
    in dependency order: each query is typed with the types of those before it, so a view over
    a view keeps every type-aware rewrite. A query that cannot be parsed adds nothing."""
    known = {key: dict(columns) for key, columns in column_types.items()}
    for key, tsql in queries:
        if key in known:
            continue
        try:
            query = _parse_query(tsql)
        except TranslationError:
            continue
        output = Typing(known).output_types(query)
        if output:
            known[key] = output
    return known


def _parse_query(tsql: str) -> exp.Expression:
    statements = _parse(tsql)
    if len(statements) != 1:
        raise TranslationError(f"expected exactly one SELECT statement, found {len(statements)} statements")
    query = statements[0]
    while isinstance(query, exp.Subquery):
        query = query.this
    if not isinstance(query, (exp.Select, exp.SetOperation)):
        raise error_at(f"expected a SELECT query, got {query.key.upper()}: {_first_line(query)}", query)
    if isinstance(query, exp.Select) and query.args.get("into") is not None:
        raise error_at("SELECT ... INTO creates a table: expected a plain SELECT", query.args["into"])
    return query


_EXPRESSION_PREFIX = "SELECT "


def _parse_expression(tsql_expression: str) -> exp.Select:
    try:
        statements = _parse(_EXPRESSION_PREFIX + tsql_expression)
    except TranslationError as error:
        if error.line == 1 and error.column:  # positions in the expression, not the wrapper
            error.column = max(error.column - len(_EXPRESSION_PREFIX), 1)
        raise
    select = statements[0] if len(statements) == 1 else None
    if not isinstance(select, exp.Select) or len(select.expressions) != 1:
        raise TranslationError(f"expected one scalar expression: {tsql_expression.strip()[:60]}")
    return select


def _parse(tsql: str) -> list[exp.Expression]:
    try:
        return [s for s in parse_tsql(tsql) if s is not None]
    except ParseError as error:
        first = error.errors[0] if error.errors else {}
        description = str(first.get("description", error)).split(" but got ")[0]
        highlight = first.get("highlight") or ""
        near = f" near {highlight!r}" if highlight else ""
        # sqlglot's `col` is where the offending token ends; report where it starts
        column = max(first["col"] - len(highlight) + 1, 1) if first.get("col") else None
        raise TranslationError(f"cannot parse T-SQL{near}: {description}", first.get("line"), column) from None
    except TokenError as error:
        raise TranslationError(f"cannot read T-SQL: {error} (an unclosed quote or bracket?)") from None


def _first_line(node: exp.Expression) -> str:
    return node.sql(dialect="tsql").splitlines()[0][:60]


def _reject_variables(tree: exp.Expression) -> None:
    """A model has no variables: `@x` and `@@ROWCOUNT` belong to the procedure around it."""
    variable = tree.find(exp.Parameter)
    if variable is not None:
        raise error_at(f"variable {variable.sql(dialect='tsql')} in a query: no value for it in a model", variable)


# SQL Server's own functions with nothing alike in PostgreSQL: passed through, they would name a
# function that does not exist and fail the build, so they are refused here with their name
_SQL_SERVER_ONLY_FUNCTIONS = frozenset({"compress", "decompress", "session_context", "context_info", "serverproperty"})


def _reject_sql_server_only_functions(tree: exp.Expression) -> None:
    for call in tree.find_all(exp.Func):
        name = call.name if isinstance(call, exp.Anonymous) else call.key
        if name.lower() in _SQL_SERVER_ONLY_FUNCTIONS:
            raise error_at(f"no PostgreSQL equivalent: {name.upper()}() is SQL Server's own", call)


def _substitute_relations(tree: exp.Expression, relations: Mapping[str, str], placeholders: _Placeholders) -> None:
    """Each table becomes a placeholder for its Jinja, keeping its alias (or its folded
    name as alias, so qualified columns such as `Customers.Name` still resolve)."""
    known = {key.lower(): jinja for key, jinja in relations.items()}
    for table in list(tree.find_all(exp.Table)):
        if not isinstance(table.this, exp.Identifier):
            name = f"{table.db or 'dbo'}.{table.this.name}".lower()
            raise error_at(f"table-valued function {name} is not supported in FROM", table)
        if is_cte_reference(table):
            continue
        if table.this.args.get("temporary") or table.this.args.get("global_"):
            raise error_at(f"temporary table #{table.name} must be inlined as a CTE first", table)
        key = reference_key(table)
        if key not in known:
            raise error_at(f"unknown relation {key}", table)
        if table.args.get("alias") is None:
            table.set("alias", exp.TableAlias(this=exp.to_identifier(fold_identifier(table.name))))
        table.set("this", exp.to_identifier(placeholders.add_jinja(known[key])))
        table.set("db", None)
        table.set("catalog", None)


def _fold_identifiers(tree: exp.Expression) -> None:
    """Every name through `fold_identifier`, quoted only where PostgreSQL requires it.
    Column references lose their schema/database qualifiers: relations are aliased."""
    for column in tree.find_all(exp.Column):
        column.set("db", None)
        column.set("catalog", None)
    for identifier in tree.find_all(exp.Identifier):
        folded = fold_identifier(identifier.name)
        identifier.set("this", folded)
        identifier.set("quoted", folded in _POSTGRES_RESERVED)


def _substitute_macros(tree: exp.Expression, macros: Mapping[str, str], placeholders: _Placeholders) -> None:
    """`dbo.fn_x(a, b)` becomes `{{ fn_x('<a>', '<b>') }}`: the macro receives each argument
    as PostgreSQL text. Innermost calls go first, so nested calls nest as Jinja expressions."""
    known = {key.lower(): name for key, name in macros.items()}
    calls = [d for d in reversed(list(tree.walk())) if isinstance(d, exp.Dot) and isinstance(d.expression, exp.Anonymous)]
    for call in calls:
        key = f"{call.this.name}.{call.expression.name}".lower()
        if key not in known and _is_clr_method(call):
            raise error_at(f"no PostgreSQL equivalent: {call.this.name}.{call.expression.name}() is a method "
                           "of a CLR type (geography, geometry, hierarchyid)", call)
        if key not in known:
            raise error_at(f"unknown function {key}: not translated as a macro", call)
        arguments = [placeholders.as_jinja_argument(_generate(a, pretty=False)) for a in call.expression.expressions]
        expression = f"{known[key]}({', '.join(arguments)})"
        name = placeholders.add(f"{{{{ {expression} }}}}", expression)
        call.replace(exp.column(name))


# methods of SQL Server's CLR types that a query calls on a column (`c.Location.ToString()`)
_CLR_METHODS = frozenset("""tostring stastext stasbinary stsrid starea stlength stdistance stintersects
stcontains stwithin stbuffer stunion stintersection stnumpoints stx sty lat long z m getancestor
getdescendant getlevel getroot isdescendantof getreparentedvalue""".split())


def _is_clr_method(call: exp.Dot) -> bool:
    """`alias.Column.Method()` (the column qualified by its table) or a CLR type's method by name."""
    qualified = isinstance(call.this, exp.Column) and bool(call.this.table)
    return qualified or call.expression.name.lower() in _CLR_METHODS


def _substitute_parameters(tree: exp.Expression, parameters: set[str], placeholders: _Placeholders) -> None:
    for node in list(tree.find_all(exp.Parameter)):
        name = fold_identifier(node.name)
        if name not in parameters:
            raise error_at(f"unknown parameter @{node.name}", node)
        node.replace(exp.column(placeholders.add(f"{{{{ {name} }}}}", name)))


def postgres_sql(tree: exp.Expression, *, pretty: bool = True) -> str:
    """A PostgreSQL tree as the generated project writes SQL: sqlglot's pretty printer (two
    spaces), lower-case keywords and functions. The one generator of model SQL: the translator
    and the dbt writer's formatter (`dbt_project.sql_style`) both go through it."""
    return _generate(tree, pretty=pretty)


def _generate(tree: exp.Expression, *, pretty: bool) -> str:
    try:
        sql = tree.sql(
            dialect="postgres",
            pretty=pretty,
            normalize_functions="lower",
            unsupported_level=ErrorLevel.RAISE,
        )
    except UnsupportedError as error:
        raise TranslationError(f"no PostgreSQL equivalent: {str(error).splitlines()[0]}") from None
    return _lower_keywords(sql)


def _lower_keywords(sql: str) -> str:
    """Lower-case SQL words: sqlglot's generator writes keywords in upper case and has no
    option against it. Identifiers are folded already; string literals keep their case."""
    try:
        tokens = sqlglot.Dialect.get_or_raise("postgres").tokenize(sql)
    except TokenError:  # cannot happen for SQL sqlglot generated; keep the text rather than fail
        return sql
    pieces, position = [], 0
    for token in tokens:
        if token.token_type in _STRING_TOKENS:
            continue
        pieces.append(sql[position : token.start])
        pieces.append(sql[token.start : token.end + 1].lower())
        position = token.end + 1
    pieces.append(sql[position:])
    return "".join(pieces)
