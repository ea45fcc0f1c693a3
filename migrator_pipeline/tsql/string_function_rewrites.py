"""String functions PostgreSQL lacks or reads differently: STR, QUOTENAME, SPACE, and strings
meeting numbers in CASE and COALESCE."""

from __future__ import annotations

from sqlglot import exp

from migrator_pipeline.tsql.rewrites import RewriteContext, cast, template
from migrator_pipeline.tsql.sqlserver_types import (
    SqlType,
    typed,
)
from migrator_pipeline.tsql.syntax import bottom_up
from migrator_pipeline.tsql.types import postgres_type

_STR_DEFAULTS = (exp.Literal.number(10), exp.Literal.number(0))


_QUOTES = {"[": ("[", "]"), "]": ("[", "]"), "'": ("'", "'"), '"': ('"', '"'), "`": ("`", "`"),
           "(": ("(", ")"), ")": ("(", ")"), "<": ("<", ">"), ">": ("<", ">"), "{": ("{", "}"), "}": ("{", "}")}  # fmt: skip


def str_function(tree: exp.Expression, context: RewriteContext) -> exp.Expression:
    """STR(x [, length [, decimals]]) is x rounded to `decimals` places (0 by default), right-
    aligned in `length` characters (10 by default); asterisks when it does not fit.
    https://learn.microsoft.com/sql/t-sql/functions/str-transact-sql"""
    for node in bottom_up(tree, exp.Anonymous):
        if node.name.lower() != "str" or not 1 <= len(node.expressions) <= 3:
            continue
        value, length, decimals = [*node.expressions, *_STR_DEFAULTS[len(node.expressions) - 1 :]][:3]
        formula = ("case when x is null then null"
                   " when char_length(cast(round(cast(x as numeric), d) as text)) > n then repeat('*', n)"
                   " else lpad(cast(round(cast(x as numeric), d) as text), n) end")
        node.replace(typed(template(formula, x=value, n=length, d=decimals), SqlType("varchar", length=8000)))
    return tree


def quotename(tree: exp.Expression, context: RewriteContext) -> exp.Expression:
    """QUOTENAME(s [, q]) delimits s with brackets (or the quote q), doubling the closing
    delimiter inside; NULL for more than 128 characters.
    https://learn.microsoft.com/sql/t-sql/functions/quotename-transact-sql"""
    for node in bottom_up(tree, exp.Anonymous):
        if node.name.lower() != "quotename" or not 1 <= len(node.expressions) <= 2:
            continue
        quote = node.expressions[1] if len(node.expressions) == 2 else exp.Literal.string("[")
        if not isinstance(quote, exp.Literal) or quote.this not in _QUOTES:
            continue
        opening, closing = _QUOTES[quote.this]
        formula = "case when char_length(s) > 128 then null else o || replace(s, c, cc) || c end"
        parts = {"s": node.expressions[0], "o": exp.Literal.string(opening), "c": exp.Literal.string(closing),
                 "cc": exp.Literal.string(closing * 2)}  # fmt: skip
        node.replace(typed(template(formula, **parts), SqlType("nvarchar", length=258)))
    return tree


def space_negative_is_null(tree: exp.Expression, context: RewriteContext) -> exp.Expression:
    """SPACE(n) is NULL for a negative n; PostgreSQL's repeat gives ''.
    https://learn.microsoft.com/sql/t-sql/functions/space-transact-sql"""
    for node in bottom_up(tree, exp.Space):
        formula = "case when n < 0 then null else repeat(' ', n) end"
        node.replace(typed(template(formula, n=node.this), SqlType("varchar", length=8000)))
    return tree


def branches_in_result_type(tree: exp.Expression, context: RewriteContext) -> exp.Expression:
    """CASE and COALESCE take the branch type of highest precedence; a string branch then
    converts to it: COALESCE('  ', 1) is 0 (blanks convert to 0), CASE WHEN ... THEN 1 ELSE
    '2' END is an int. PostgreSQL would instead make every branch text, or fail.
    https://learn.microsoft.com/sql/t-sql/language-elements/case-transact-sql
    https://learn.microsoft.com/sql/t-sql/functions/coalesce-transact-sql"""
    for node in bottom_up(tree, exp.Case, exp.Coalesce, exp.If):
        if isinstance(node, exp.Coalesce) and node.args.get("is_null"):
            continue
        result = context.type_of(node)
        if result is None or not result.is_number:
            continue
        branches = _branches(node)
        mixed = {str(context.type_of(b)) for b in branches if not isinstance(b, exp.Null)} != {str(result)}
        for branch in branches:
            if context.family(branch) == "string":
                branch.replace(_string_as_number(branch, result))
        if result.family == "exact" and mixed:  # CASE of 1 and 2.5 is decimal(2,1): 1.0
            replacement = typed(cast(node, postgres_type(result.sql())), result)
            if node is tree:
                return replacement
            node.replace(replacement)
        else:
            typed(node, result)
    return tree


def _branches(node: exp.Expression) -> list[exp.Expression]:
    if isinstance(node, exp.Coalesce):
        return [node.this, *node.expressions]
    if isinstance(node, exp.If):
        return [b for b in (node.args.get("true"), node.args.get("false")) if b is not None]
    return [b for b in (*(i.args.get("true") for i in node.args.get("ifs") or []), node.args.get("default")) if b is not None]


def _string_as_number(value: exp.Expression, number: SqlType) -> exp.Expression:
    """A string converted to a number: blanks are 0; the text is cast at run time (a literal
    cast when PostgreSQL plans would fail even in a branch that is never taken)."""
    target = "numeric" if number.family == "exact" else postgres_type(number.sql())
    formula = f"case when trim(x) = '' then 0 else cast(cast(x as text) as {target}) end"
    return template(formula, x=value)


# FOR XML PATH('') writes text nodes with &, < and > entitized; `, TYPE).value('.', ...)` reads
# the XML back, so the text comes out as it was.
_ENTITIZED = "replace(replace(replace(x, '&', '&amp;'), '<', '&lt;'), '>', '&gt;')"


_TEXT_NODES = ("text()", "*")


def for_xml_path_aggregation(tree: exp.Expression, context: RewriteContext) -> exp.Expression:
    """`(SELECT ',' + name FROM t ORDER BY name FOR XML PATH(''))` concatenates the rows' values:
    string_agg in the query's order. A value without a column name is a text node (&, < and >
    entitized); a named column becomes <name>value</name>; NULLs add nothing; no rows give NULL.
    With `, TYPE).value('.', ...)` the XML is read back: the text nodes, unescaped, without tags.
    https://learn.microsoft.com/sql/relational-databases/xml/use-path-mode-with-for-xml"""
    for select in bottom_up(tree, exp.Select):
        clause = select.args.get("for_")
        path = _xml_path(clause)
        if path != "":
            continue
        select.replace(_aggregated(select, bool(select.meta.get("xml_read_back"))))
    return tree


def for_xml_read_back(tree: exp.Expression, context: RewriteContext) -> exp.Expression:
    """`(SELECT ... FOR XML PATH(''), TYPE).value('.', ...)` reads the XML it built back as text:
    the subquery stands for that text, marked so that for_xml_path_aggregation writes it unescaped.
    Runs before the xml method rewrites, which would read `.value()` as an xpath."""
    for select in bottom_up(tree, exp.Select):
        clause = select.args.get("for_")
        typed_xml = _xml_path(clause) == "" and any(
            isinstance(o.this, exp.Var) and o.this.name.upper() == "TYPE" for o in clause.expressions)
        holder = select.parent
        dot = holder.parent if isinstance(holder, exp.Subquery) else None
        if not typed_xml or not isinstance(dot, exp.Dot) or not isinstance(dot.expression, exp.Anonymous):
            continue
        if dot.expression.name.lower() == "value" and dot.expression.expressions[:1] == [exp.Literal.string(".")]:
            select.meta["xml_read_back"] = True
            dot.replace(holder)
    return tree


def _xml_path(clause: exp.Expression | None) -> str | None:
    if not isinstance(clause, exp.ForClause) or str(clause.args.get("kind", "")).upper() != "XML":
        return None
    for option in clause.expressions:
        value = option.this
        if isinstance(value, exp.XMLKeyValueOption) and value.this.name.upper() == "PATH":
            path = value.expression
            return path.this if isinstance(path, exp.Literal) and path.is_string else None
    return None


def _aggregated(select: exp.Select, read_back: bool) -> exp.Select:
    pieces = [_xml_piece(p, read_back) for p in select.expressions]
    row = pieces[0] if len(pieces) == 1 else exp.DPipe(this=pieces[0], expression=pieces[1], safe=True)
    for piece in pieces[2:]:
        row = exp.DPipe(this=row, expression=piece, safe=True)
    rows = select.copy()
    rows.set("for_", None)
    order = rows.args.get("order")
    rows.set("order", None)
    position = exp.Window(this=exp.RowNumber(), order=order.copy() if order else None)
    rows.set("expressions", [exp.alias_(row, "piece"), exp.alias_(position, "position")])
    source = exp.Subquery(this=rows, alias=exp.TableAlias(this=exp.to_identifier("xml_rows")))
    ordered = exp.Order(expressions=[exp.Ordered(this=exp.column("position", table="xml_rows"))])
    aggregate = exp.GroupConcat(this=exp.Order(this=exp.column("piece", table="xml_rows"), expressions=ordered.expressions),
                                separator=exp.Literal.string(""))
    return typed(exp.select(aggregate).from_(source), SqlType("nvarchar", length=-1))


def _xml_piece(projection: exp.Expression, read_back: bool) -> exp.Expression:
    value = projection.unalias()
    if isinstance(value, exp.Identifier):
        value = exp.column(value.name)
    name = projection.alias if isinstance(projection, exp.Alias) else (value.name if isinstance(value, exp.Column) else "")
    text = template("cast(x as text)", x=value)
    escaped = text if read_back else template(_ENTITIZED, x=text)
    if not name or name in _TEXT_NODES or read_back:
        return template("coalesce(x, '')", x=escaped)
    element = template("'<' || n || '>' || x || '</' || n || '>'", x=escaped, n=exp.Literal.string(name))
    return template("coalesce(x, '')", x=element)
