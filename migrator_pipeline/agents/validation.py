"""What the LLM writes is data, never instructions: the checks every reply passes before use.

A reply is accepted only as one fenced SQL block holding exactly one query (a SELECT or a CTE
query) that parses in the expected dialect (T-SQL for a rewrite, PostgreSQL for a repair), reads
only relations this project knows, writes nothing, and produces the planned target's columns.
Everything else is a rejected attempt with its reason; nothing from a rejected reply is run.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass

import sqlglot
from sqlglot import exp

from migrator_pipeline.dbt_project.jinja_sql import protect
from migrator_pipeline.tsql.identifiers import fold_identifier

_FENCED = re.compile(r"```[ \t]*(?:sql|tsql|postgresql|postgres)?[ \t]*\n(.*?)```", re.DOTALL | re.IGNORECASE)
_JINJA = re.compile(r"\{\{(.*?)\}\}|\{%.*?%\}|\{#.*?#\}", re.DOTALL)
_PLACEHOLDER = re.compile(r"^__jinja_(\d+)__$")
_JINJA_CALL = re.compile(r"^\s*([a-z_][a-z0-9_]*)\s*\(", re.IGNORECASE)
# nodes that write, define or run something: anywhere in the tree, a CTE body included
_WRITES = (exp.DML, exp.DDL, exp.Command, exp.Copy, exp.Set, exp.Execute, exp.Transaction,
           exp.Commit, exp.Rollback, exp.Grant, exp.Use, exp.Pragma, exp.Merge)
# functions that reach outside the query: run SQL text, read files, signal backends, change
# settings, or open remote data. A model never needs them.
_FORBIDDEN_FUNCTIONS = re.compile(
    r"^(pg_.*|dblink.*|lo_.*|set_config|query_to_xml.*|query_to_json.*|cursor_to_xml.*|"
    r"nextval|setval|currval|txid_.*|openrowset|openquery|opendatasource|xp_.*|sp_.*)$",
    re.IGNORECASE)


@dataclass(frozen=True)
class Verdict:
    sql: str | None  # the accepted query, exactly as written in the block
    reason: str | None  # why it was rejected

    @property
    def ok(self) -> bool:
        return self.sql is not None


def rejected(reason: str) -> Verdict:
    return Verdict(None, reason)


def fenced_sql(reply: str) -> str | None:
    """The one fenced block of a reply; None when there is none or more than one."""
    blocks = _FENCED.findall(reply or "")
    return blocks[0].strip() if len(blocks) == 1 else None


def validate_reply(reply: str, *, dialect: str, relations: Mapping[str, str],
                   target_columns: Collection[str] | None, macros: Collection[str] = ()) -> Verdict:
    """Check an LLM reply. `dialect` is "tsql" (a rewrite, relations named by SQL Server object
    key) or "postgres" (a repair, relations named by the project's ref()/source() Jinja).
    `relations` is the project's object key -> Jinja map; `macros` the project's macro names;
    `target_columns` the planned target's columns (None: not known, not checked)."""
    blocks = _FENCED.findall(reply or "")
    if not blocks:
        return rejected("reply held no fenced SQL block")
    if len(blocks) > 1:
        return rejected(f"reply held {len(blocks)} fenced blocks, expected one")
    sql = blocks[0].strip()
    return validate_sql(sql, dialect=dialect, relations=relations, target_columns=target_columns,
                        macros=macros)


def validate_sql(sql: str, *, dialect: str, relations: Mapping[str, str],
                 target_columns: Collection[str] | None, macros: Collection[str] = ()) -> Verdict:
    jinja_problem, parseable, pieces = _jinja(sql, dialect, relations, macros)
    if jinja_problem:
        return rejected(jinja_problem)
    try:
        statements = [s for s in sqlglot.parse(parseable, read=dialect) if s is not None]
    except sqlglot.errors.ParseError as error:
        first = error.errors[0] if error.errors else {}
        return rejected(f"not valid {_DIALECT_NAMES[dialect]}: {first.get('description', str(error))}")
    except Exception as error:  # sqlglot's tokenizer raises its own errors on odd input
        return rejected(f"not valid {_DIALECT_NAMES[dialect]}: {error}")
    if len(statements) != 1:
        return rejected(f"expected one query, found {len(statements)} statements")
    [query] = statements
    problem = (_statement_problem(query) or _relation_problem(query, dialect, relations, pieces)
               or _column_problem(query, target_columns))
    return rejected(problem) if problem else Verdict(sql, None)


_DIALECT_NAMES = {"tsql": "T-SQL", "postgres": "PostgreSQL"}


def _jinja(sql: str, dialect: str, relations: Mapping[str, str],
           macros: Collection[str]) -> tuple[str | None, str, list[str]]:
    """Only the project's own ref()/source() and macro calls may appear as Jinja: any other
    Jinja would run in dbt at compile time (run_query, env_var, …)."""
    if dialect == "tsql" and _JINJA.search(sql):
        return "Jinja in a T-SQL rewrite", sql, []
    known_relations = {_squash(j) for j in relations.values()}
    known_macros = {m.lower() for m in macros}
    for match in _JINJA.finditer(sql):
        text = match.group(0)
        if text.startswith("{{") and _squash(text) in known_relations:
            continue
        call = _JINJA_CALL.match(match.group(1) or "")
        if text.startswith("{{") and call and call.group(1).lower() in known_macros:
            continue
        return f"Jinja that is not one of this project's relations or macros: {text[:80]}", sql, []
    parseable, _ = protect(sql)
    return None, parseable, [m.group(0) for m in re.finditer(r"\{\{.*?\}\}", sql, re.DOTALL)]


def _squash(jinja: str) -> str:
    return re.sub(r"\s+", "", jinja).replace('"', "'")


def _statement_problem(query: exp.Expression) -> str | None:
    if not isinstance(query, exp.Query):
        return f"expected a SELECT, found {query.key.upper()}"
    for node in query.walk():
        if isinstance(node, _WRITES):
            return f"a query must not write or run anything: found {node.key.upper()}"
        if isinstance(node, exp.Select) and node.args.get("into"):
            return "SELECT INTO creates a table: a model is a plain SELECT"
        if isinstance(node, exp.Lock):
            return "locking clauses (FOR UPDATE/SHARE) are not allowed"
        if isinstance(node, exp.Func):
            name = node.sql_name() if not isinstance(node, exp.Anonymous) else node.name
            if _FORBIDDEN_FUNCTIONS.match(name or ""):
                return f"function {name} is not allowed in a model"
    return None


def _relation_problem(query: exp.Expression, dialect: str, relations: Mapping[str, str],
                      pieces: list[str]) -> str | None:
    ctes = {fold_identifier(c.alias) for c in query.find_all(exp.CTE)}
    known_keys = {k.lower() for k in relations}
    known_jinja = {_squash(j) for j in relations.values()}
    for table in query.find_all(exp.Table):
        if isinstance(table.this, exp.Func) or not table.name:  # table functions: unnest, generate_series
            name = table.this.sql() if table.this else table.sql()
            if isinstance(table.this, exp.Func) and _FORBIDDEN_FUNCTIONS.match(table.this.sql_name() or ""):
                return f"function {name} is not allowed in a model"
            continue
        if not table.db and fold_identifier(table.name) in ctes:
            continue
        if dialect == "postgres":
            placeholder = _PLACEHOLDER.match(table.name)
            if placeholder and not table.db and _squash(pieces[int(placeholder.group(1))]) in known_jinja:
                continue
            return f"relation {table.sql(dialect='postgres')} is not a ref() or source() of this project"
        if table.catalog:
            return f"relation {table.sql(dialect='tsql')} is in another database"
        key = f"{table.db or 'dbo'}.{table.name}".lower()
        if key not in known_keys:
            return f"relation {table.sql(dialect='tsql')} is not an object of this project"
    return None


def _column_problem(query: exp.Expression, target_columns: Collection[str] | None) -> str | None:
    if target_columns is None:
        return None
    produced = list(query.named_selects)
    if any(s.is_star for s in query.selects):
        return "SELECT * : the output columns must be listed"
    expected = [fold_identifier(c) for c in target_columns]
    got = [fold_identifier(c) for c in produced]
    if len(got) != len(expected):
        return f"expected {len(expected)} columns ({', '.join(expected)}), found {len(got)} ({', '.join(got)})"
    if sorted(got) != sorted(expected):
        missing = sorted(set(expected) - set(got))
        extra = sorted(set(got) - set(expected))
        return f"columns differ from the target: missing {', '.join(missing)}; unexpected {', '.join(extra)}"
    return None
