"""Database functions the dbt project creates: the scalar functions that read tables (lookups).

A lookup cannot be a macro that expands in place, since it names relations, so it becomes a dbt
user-defined function (dbt 1.11's `functions/`): `functions/<name>.sql` holds its body, one
SELECT whose relations are `{{ source() }}`/`{{ ref() }}`, and `functions/_functions.yml` its
arguments and result type. dbt creates it in the project's schema before the models that call it
and after the models it reads. Callers call it through a macro of the same name, as they call
every migrated function, which writes `{{ function('<name>') }}(...)` so that dbt records the
dependency.
"""

from __future__ import annotations

from migrator_pipeline.dbt_project.jinja_sql import TRUSTED_CALLS, jinja_comment, neutralise_sql
from migrator_pipeline.planning.model import PlannedMacro
from migrator_pipeline.tsql.identifiers import sql_name

FUNCTIONS_DIR = "functions"
PROPERTIES_FILE = "_functions.yml"


def is_database_function(macro: PlannedMacro) -> bool:
    return macro.returns is not None


def render_function(macro: PlannedMacro, sql: str, macros: frozenset[str] = frozenset()) -> str:
    """`functions/<name>.sql`: the function's body, in which only our own Jinja runs."""
    header = jinja_comment(f"Migrated from the scalar function {macro.origin}, which reads tables.", strip=True)
    return f"{header}\n{neutralise_sql(sql.strip(), TRUSTED_CALLS | macros)}\n"


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
        "description": f"Migrated from the scalar function {macro.origin}, which reads tables.",
        "config": {"volatility": "stable"},  # it reads tables: same result within one statement
        "arguments": [{"name": sql_name(name), "data_type": data_type}
                      for name, data_type in zip(macro.parameters, macro.argument_types, strict=True)],
        "returns": {"data_type": macro.returns},
    }
