"""Database functions the dbt project creates: the scalar functions that read tables (lookups),
and those whose body is not one expression (PL/pgSQL).

Neither can be a macro that expands in place, so each becomes a dbt user-defined function (dbt
1.11's `functions/`): `functions/<name>.sql` holds its body, and `functions/_functions.yml` its
arguments and result type. A lookup's body is one SELECT whose relations are `{{ source() }}`/
`{{ ref() }}`; a PL/pgSQL body is its statements, each expression translated like a model's, and
its entry says `meta: {body_language: plpgsql}`, which the template's
`postgres__scalar_function_body_sql` reads to create it `LANGUAGE plpgsql`. dbt creates a function
in the project's schema before the models that call it and after the models it reads. Callers
call it through a macro of the same name, as they call every migrated function, which writes
`{{ function('<name>') }}(...)` so that dbt records the dependency.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Callable

import sqlglot
from sqlglot import exp

from migrator_pipeline.dbt_project.jinja_sql import TRUSTED_CALLS, jinja_comment, neutralise_sql, protect
from migrator_pipeline.planning.model import BodyLine, PlannedMacro
from migrator_pipeline.planning.plpgsql_functions import VALUE
from migrator_pipeline.tsql.identifiers import sql_name

FUNCTIONS_DIR = "functions"
PROPERTIES_FILE = "_functions.yml"
PLPGSQL = "plpgsql"
_VALUE_TEXT = re.compile(rf"^select\s+(.*?)\s+as\s+{VALUE}\s*$", re.DOTALL)
_CONDITION_TEXT = re.compile(rf"^select\s+1\s+as\s+{VALUE}\s+where\s+(.*)$", re.DOTALL)


def is_database_function(macro: PlannedMacro) -> bool:
    return macro.returns is not None


def _what(macro: PlannedMacro) -> str:
    if macro.plpgsql:
        return "whose body is not one expression (PL/pgSQL, statement by statement)"
    return "which reads tables"


def render_function(macro: PlannedMacro, sql: str, macros: frozenset[str] = frozenset()) -> str:
    """`functions/<name>.sql`: the function's body, in which only our own Jinja runs."""
    header = jinja_comment(f"Migrated from the scalar function {macro.origin}, {_what(macro)}.", strip=True)
    return f"{header}\n{neutralise_sql(sql.strip(), TRUSTED_CALLS | macros)}\n"


def plpgsql_body(lines: list[BodyLine], translate: Callable[[str], str]) -> str:
    """The PL/pgSQL body of `lines`, each T-SQL SELECT in them through `translate` (T-SQL ->
    PostgreSQL SELECT) and written in its line's form: its one value, its WHERE's condition,
    or the whole query."""
    out = []
    for line in lines:
        pad = "  " * line.depth
        if line.tsql is None:
            out.append(pad + line.text)
            continue
        placed = _placed(translate(line.tsql), line.form)
        if line.form == "query":  # a whole SELECT: on lines of its own, one level in
            out += [pad + line.text.rstrip(), textwrap.indent(placed, pad + "  "), pad + line.end.strip()]
        else:
            out.append(pad + line.text + placed.replace("\n", "\n" + pad + "  ") + line.end)
    return "\n".join(out)


def _placed(sql: str, form: str) -> str:
    """A translated SELECT as its line needs it. The text is cut from the translator's own
    output, after its parse confirms that it is nothing but the value or condition; otherwise
    the SELECT stands whole, a scalar subquery or EXISTS, which means the same."""
    if form == "query":
        return sql
    pattern = _VALUE_TEXT if form == "value" else _CONDITION_TEXT
    match = pattern.match(sql.strip())
    if match and _only(sql, form):  # the clause's lines, out of the two spaces the SELECT indents them by
        first, *rest = match[1].strip().split("\n")
        return "\n".join([first] + [line.removeprefix("  ") for line in rest])
    return f"({sql})" if form == "value" else f"exists ({sql})"


def _only(sql: str, form: str) -> bool:
    parseable, _ = protect(sql)
    try:
        select = sqlglot.parse_one(parseable, read="postgres")
    except sqlglot.errors.SqlglotError:
        return False
    if not isinstance(select, exp.Select) or len(select.expressions) != 1 or select.expressions[0].alias != VALUE:
        return False
    clauses = {key for key, value in select.args.items() if value and key != "expressions"}
    if form == "value":
        return not clauses
    return clauses == {"where"} and select.expressions[0].this == exp.Literal.number(1)


def render_function_macro(macro: PlannedMacro) -> str:
    """The macro callers call: the function, called with the macro's arguments."""
    arguments = ", ".join(f"{{{{ {name} }}}}" for name in macro.parameters)
    return (jinja_comment(f"Calls the database function migrated from {macro.origin}.", strip=True) + "\n"
            f"{{% macro {macro.name}({', '.join(macro.parameters)}) -%}}\n"
            f"{{{{ function('{macro.name}') }}}}({arguments})\n{{%- endmacro %}}\n")


def function_properties(macro: PlannedMacro) -> dict:
    """The function's entry in `functions/_functions.yml`."""
    return {
        "name": macro.name,
        "description": f"Migrated from the scalar function {macro.origin}, {_what(macro)}.",
        # it may read tables: the same result within one statement
        "config": {"volatility": "stable", **({"meta": {"body_language": PLPGSQL}} if macro.plpgsql else {})},
        "arguments": [{"name": sql_name(name), "data_type": data_type}
                      for name, data_type in zip(macro.parameters, macro.argument_types, strict=True)],
        "returns": {"data_type": macro.returns},
    }
