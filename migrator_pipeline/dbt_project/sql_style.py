"""The generated project's SQL style, applied by one function: `format_model_sql`.

Every model, snapshot and analysis the writer writes goes through it, whoever drafted the SQL
(the rules, the LLM, a fix-up). It follows dbt Labs' style guide, as jaffle-shop does:
- import CTEs first, one per relation read (`orders as (select * from {{ ref('stg_dbo__orders') }})`),
  then the query's own logical CTEs, then `final`, and `select * from final`;
- one generator for the text: sqlglot's pretty printer through `tsql.translate.postgres_sql`
  (two spaces, lower-case keywords and functions), an expression that fits kept on one line
  (`(1 - discount)`, where sqlglot's printer always breaks a parenthesis over three);
- explicit joins: `inner join`, and `left join` for `left outer join`.

Table aliases are kept as the source wrote them (`o`, `ol`): a migrated model is reviewed side by
side with the SQL Server object it came from, and the migrated macros receive their arguments
as SQL text that names those aliases (`{{ fn_netamount('ol.quantity', ...) }}`). A table the
source left without an alias is aliased by its own name already (`tsql.translate`).

Formatting never changes what a model returns: the text is reformatted only when sqlglot reads
it back as the same tree, keeping every comment; otherwise (SQL sqlglot cannot read, our own
`{% if %}` blocks) the text is kept as it was.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError

from migrator_pipeline.dbt_project.jinja_sql import protect
from migrator_pipeline.tsql.identifiers import POSTGRES_RESERVED
from migrator_pipeline.tsql.translate import TranslationError, postgres_sql

FINAL_CTE = "final"
# an expression up to this long is written on one line
_INLINE_WIDTH = 70
_INLINE_NODES = (exp.Paren, exp.Case, exp.Func, exp.Window)
_RELATION = re.compile(r"^\{\{\s*(?:ref\(\s*'(?P<ref>\w+)'\s*\)|source\(\s*'\w+'\s*,\s*'(?P<table>\w+)'\s*\))\s*\}\}$")
_STAGING_PREFIX = re.compile(r"^stg_\w+?__")
_PLACEHOLDER = re.compile(r"^__jinja_\d+__$")
_INLINE_PLACEHOLDER = re.compile(r"\b__inline_\d+__\b")
_ALIAS_PLACEHOLDER = re.compile(r"\b__alias_(\d+)__\(")
_LATERAL_JOIN = re.compile(r"^(?P<indent> *)(?P<join>\S.*\bjoin) lateral \($")


def format_model_sql(sql: str) -> str:
    """A model's SQL in the project's style; `sql` unchanged when it cannot be formatted safely."""
    parseable, restore = protect(sql.strip())
    tree = _read(parseable)
    if tree is None or not _round_trips(tree, parseable):
        return sql
    try:
        formatted, styled = _layout(_explicit_joins(tree), restore)
        intended = _read(postgres_sql(styled))
    except TranslationError:
        return sql
    # what is written must read back as the tree intended, every comment kept
    if intended is None or _read(formatted) != intended or not all(c in formatted for c in _comments(parseable)):
        return sql
    return restore(formatted)


def _layout(tree: exp.Query, restore: Callable[[str], str]) -> tuple[str, exp.Query]:
    """Import CTEs, then the query's own CTEs, then `final`, each written by `_pretty` and set
    apart by a blank line, and `select * from final`; with the tree that text stands for. A
    query ordered at the top (`order by`, `limit`) stays the last statement itself: an outer
    select would not keep its order. SQL in this style already keeps its imports and `final`."""
    existing = _existing_imports(tree, restore)
    imports = _import_names(tree, restore, existing)
    if not imports:
        return _pretty(tree), tree
    _read_imports(tree, imports)
    with_ = tree.args.get("with_")
    tree.set("with_", None)
    logical = [cte for cte in (with_.expressions if with_ else []) if cte.alias not in existing.values()]
    first: dict[str, str] = {}
    for placeholder, name in imports.items():
        first.setdefault(name, placeholder)
    blocks = [f"{name} as (\n  select * from {placeholder}\n)" for name, placeholder in first.items()]
    blocks += [_pretty(cte) for cte in logical]
    ctes = [_cte(name, exp.select("*").from_(exp.to_table(placeholder))) for name, placeholder in first.items()]
    ctes += logical
    if _selects_all_from(tree, logical[-1].alias if logical else None):
        last, outer = f"select * from {logical[-1].alias}", tree
    elif any(tree.args.get(part) for part in ("order", "limit", "offset")):
        last, outer = _pretty(tree), tree
    else:
        blocks.append(f"{FINAL_CTE} as (\n{_indented(_pretty(tree))}\n)")
        last, outer = f"select * from {FINAL_CTE}", exp.select("*").from_(FINAL_CTE)
        ctes.append(_cte(FINAL_CTE, tree))
    recursive = bool(with_ and with_.args.get("recursive"))
    outer.set("with_", exp.With(expressions=ctes, recursive=recursive))
    text = "with recursive " if recursive else "with "
    return text + ",\n\n".join(blocks) + f"\n\n{last}", outer


def _cte(name: str, query: exp.Query) -> exp.CTE:
    return exp.CTE(this=query, alias=exp.TableAlias(this=exp.to_identifier(name)))


def _existing_imports(tree: exp.Query, restore: Callable[[str], str]) -> dict[str, str]:
    """Placeholder -> name of the CTEs that are imports already: `x as (select * from {{ ref(..) }})`."""
    imports: dict[str, str] = {}
    with_ = tree.args.get("with_")
    for cte in with_.expressions if with_ else []:
        body = cte.this
        table = body.args.get("from_").this if isinstance(body, exp.Select) and body.args.get("from_") else None
        plain = set(body.args) - {"expressions", "from_"} if isinstance(body, exp.Select) else {"not a select"}
        if (isinstance(table, exp.Table) and not table.alias and not any(body.args.get(k) for k in plain)
                and body.is_star and _relation(table.name, restore) and table.name not in imports):
            imports[table.name] = cte.alias
    return imports


def _selects_all_from(query: exp.Query, cte: str | None) -> bool:
    """`query` is `select * from <cte>` and nothing more."""
    if cte is None or not isinstance(query, exp.Select) or not query.is_star or not query.args.get("from_"):
        return False
    table = query.args["from_"].this
    rest = set(query.args) - {"expressions", "from_"}
    return isinstance(table, exp.Table) and table.name == cte and not table.alias and not any(
        query.args.get(k) for k in rest)


def _pretty(tree: exp.Expression) -> str:
    """`postgres_sql`, with each expression that fits on one line written on one line (sqlglot's
    printer always breaks a parenthesis over three lines, and a CASE or a function call over many
    once its statement is long): it stands in the tree as a placeholder column while the rest is
    printed, then as its one-line text. Subqueries keep the printer's layout. Where sqlfluff's
    postgres layout rules (the generated project's linter) read a construct otherwise than the
    printer writes it, it is written as sqlfluff reads it: an ordered `string_agg`, a table
    alias's column list, `join lateral (...)` and the rows of `values`."""
    tree = tree.copy()
    inline: dict[str, str] = {}
    for node in list(tree.find_all(*_INLINE_NODES)):  # outermost first
        # a CASE's branches are `exp.If` nodes, which print alone as a CASE of their own
        if isinstance(node, exp.If) or not _attached(node, tree) or node.find(exp.Query) is not None:
            continue
        flat = postgres_sql(node, pretty=False)
        text = flat if len(flat) <= _INLINE_WIDTH else _ordered_string_agg(node)
        if text is not None:
            name = f"__inline_{len(inline)}__"
            inline[name] = text
            node.replace(exp.column(name))
    aliases = _spaced_alias_columns(tree)
    lines = []
    for line in postgres_sql(tree).splitlines():
        indent = line[:len(line) - len(line.lstrip())]
        line = _INLINE_PLACEHOLDER.sub(lambda m: inline[m[0]].replace("\n", "\n" + indent), line)
        lines += _ALIAS_PLACEHOLDER.sub(lambda m: f"{aliases[m[1]]} (", line).split("\n")
    # sqlglot's printer leaves lines of only spaces in some calls (`string_agg(... order by ...)`);
    # a string literal holding such a line would read back as another tree, and be refused
    return "\n".join(_values_rows_under_values(_lateral_on_its_own_line(
        [line if line.strip() else "" for line in lines])))


def _ordered_string_agg(node: exp.Expression) -> str | None:
    """A long `string_agg(x, sep order by ...)` over lines, its arguments and `order by` one
    indent in (sqlglot's printer sets them apart by blank lines, at indents sqlfluff rejects)."""
    order, separator = node.this, node.args.get("separator")
    if not isinstance(node, exp.GroupConcat) or not isinstance(order, exp.Order) or separator is None:
        return None
    keys = ", ".join(postgres_sql(key, pretty=False) for key in order.expressions)
    value = _indented(_pretty(order.this))
    return f"string_agg(\n{value},\n  {postgres_sql(separator, pretty=False)}\n  order by {keys}\n)"


def _spaced_alias_columns(tree: exp.Expression) -> dict[str, str]:
    """A table alias with a column list is written `name (a, b)` (sqlfluff's spacing rule; the
    printer writes `name(a, b)`): each such alias stands in the tree as a placeholder while it
    is printed. Returns placeholder number -> the alias's text."""
    aliases: dict[str, str] = {}
    for alias in tree.find_all(exp.TableAlias):
        if alias.columns and alias.this:
            number = str(len(aliases))
            aliases[number] = postgres_sql(alias.this, pretty=False)
            alias.set("this", exp.to_identifier(f"__alias_{number}__"))
    return aliases


def _lateral_on_its_own_line(lines: list[str]) -> list[str]:
    """`left join lateral (` is written `left join` then `lateral (` one indent in, its
    subquery with it: sqlfluff 4.5's layout rule requires it (sqlfluff issue #8345; `lateral`
    on the join's line is accepted once sqlfluff's fix is released, and this layout still)."""
    out: list[str] = []
    shift_until: str | None = None  # the closing line of the lateral being shifted
    for line in lines:
        match = _LATERAL_JOIN.match(line) if shift_until is None else None
        if match:
            out += [f"{match['indent']}{match['join']}", f"{match['indent']}  lateral ("]
            shift_until = f"{match['indent']})"
            continue
        if shift_until is not None:
            out.append(f"  {line}" if line else line)
            if line.startswith(shift_until):
                shift_until = None
            continue
        out.append(line)
    return out


def _values_rows_under_values(lines: list[str]) -> list[str]:
    """The rows of `values` at the keyword's own indent, as sqlfluff's postgres grammar lays them out."""
    out: list[str] = []
    values_indent: int | None = None
    for line in lines:
        indent = len(line) - len(line.lstrip())
        if values_indent is not None and line and indent <= values_indent:
            values_indent = None
        if values_indent is not None and line:
            line = line[2:]
        elif line.strip() == "values":
            values_indent = indent
        out.append(line)
    return out


def _attached(node: exp.Expression, root: exp.Expression) -> bool:
    while node.parent is not None:
        node = node.parent
    return node is root


def _indented(sql: str) -> str:
    return "\n".join(f"  {line}" if line else line for line in sql.splitlines())


def _read(parseable: str) -> exp.Query | None:
    try:
        statements = [s for s in sqlglot.parse(parseable, read="postgres") if s is not None]
    except SqlglotError:
        return None
    if len(statements) != 1 or not isinstance(statements[0], exp.Query):
        return None
    return statements[0]


def _round_trips(tree: exp.Query, parseable: str) -> bool:
    """sqlglot writes this SQL back as the same tree, with every comment: reformatting is safe."""
    try:
        written = _pretty(tree)
    except TranslationError:
        return False
    return _read(written) == tree and all(comment in written for comment in _comments(parseable))


def _comments(sql: str) -> list[str]:
    try:
        tokens = sqlglot.Dialect.get_or_raise("postgres").tokenize(sql)
    except SqlglotError:
        return [sql]  # unreadable: never "all comments kept"
    return [c.strip() for t in tokens for c in t.comments if c.strip()]


def _explicit_joins(tree: exp.Query) -> exp.Query:
    """`join` is `inner join`; `left outer join` is `left join` (the same joins, said one way)."""
    for join in tree.find_all(exp.Join):
        side, kind = join.side.upper(), join.kind.upper()
        if not side and not kind and (join.args.get("on") is not None or join.args.get("using")):
            join.set("kind", "INNER")
        elif side and kind == "OUTER":
            join.set("kind", None)
    return tree


def _read_imports(tree: exp.Query, imports: dict[str, str]) -> None:
    """Each relation read through its import CTE; an alias that merely repeats the name goes."""
    for table in list(tree.find_all(exp.Table)):
        name = imports.get(table.name)
        if name is None or table.args.get("db") or table.args.get("catalog"):
            continue
        if table.alias == name:
            table.set("alias", None)
        table.set("this", exp.to_identifier(name))


def _relation(placeholder: str, restore: Callable[[str], str]) -> str | None:
    """The model or source table a Jinja placeholder reads (`{{ ref('x') }}` -> `x`), or None."""
    match = _RELATION.match(restore(placeholder)) if _PLACEHOLDER.match(placeholder) else None
    return (match["ref"] or match["table"]) if match else None


def _import_names(tree: exp.Query, restore: Callable[[str], str], existing: dict[str, str]) -> dict[str, str]:
    """Jinja placeholder of each relation read -> its import CTE's name: `existing` ones keep
    theirs; the others get the model's name without its `stg_<schema>__` prefix (or the source
    table's), unless that name is taken by a CTE or an alias of the query, or is a reserved
    word; then the model's full name."""
    ctes = {cte.alias for cte in tree.find_all(exp.CTE)} - set(existing.values()) | {FINAL_CTE}
    qualifiers = {column.table for column in tree.find_all(exp.Column)}
    names: dict[str, str] = {}
    tables = sorted(tree.find_all(exp.Table), key=lambda t: _placeholder_number(t.name))
    for table in tables:
        placeholder, full = table.name, _relation(table.name, restore)
        if full is None or placeholder in names:
            continue
        if placeholder in existing:
            names[placeholder] = existing[placeholder]
            continue
        same = next((names[p] for p in names if _relation(p, restore) == full), None)
        if same is not None:  # the relation read again: one import for both
            names[placeholder] = same
            continue
        taken = ctes | set(names.values()) | set(existing.values()) | {
            t.alias for t in tree.find_all(exp.Table) if t.alias and t.name != placeholder}
        names[placeholder] = next(c for c in (_STAGING_PREFIX.sub("", full), full, *(f"{full}_{n}" for n in
                                                                                     range(2, 10_000)))
                                  if c not in taken and c not in POSTGRES_RESERVED)
        if full in qualifiers:  # columns qualified by the relation's own name (`stg_dbo__orders.x`)
            for unaliased in tree.find_all(exp.Table):
                if unaliased.name == placeholder and not unaliased.alias:
                    unaliased.set("alias", exp.TableAlias(this=exp.to_identifier(full)))
    return names


def _placeholder_number(name: str) -> int:
    """Jinja placeholders are numbered in the order they appear in the text."""
    return int(name.strip("_").rsplit("_", 1)[1]) if _PLACEHOLDER.match(name) else -1
