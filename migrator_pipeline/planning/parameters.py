"""Procedure and function parameters as dbt vars.

In a model's SELECT, `@p` becomes `CAST({{ var('p', <default>) }} AS <type>)`, the default being
the parameter's T-SQL default (its SQL text; `null` when it has none). The planner writes a
placeholder column (`migrator_var__p`) that the dbt writer replaces by the var.
"""

from __future__ import annotations

from sqlglot import exp
from sqlglot.errors import SqlglotError

from migrator_pipeline.catalog.model import SourceObject
from migrator_pipeline.tsql.identifiers import fold_identifier

VARIABLE_PREFIX = "migrator_var__"  # placeholder column of a dbt var, replaced by the writer
# placeholder relation of a model reading its own table: `{{ this }}` in incremental runs, else an
# empty relation of the same columns (the table as SQL Server had it before the first load)
THIS_PLACEHOLDER = f"{VARIABLE_PREFIX}this"


def bind_parameters(query: exp.Query, module: SourceObject) -> tuple[exp.Query, dict[str, str], list[str]]:
    """`@p` -> `CAST(migrator_var__p AS <type>)`, the placeholder standing for
    `{{ var('p', <default>) }}` (the default as the catalog read it from the module's header);
    also the parameters used that have no default."""
    defaults = module.header.parameter_defaults if module.header else {}
    declared = {name.lstrip("@").lower(): (name, data_type) for name, data_type in module.parameters}
    query = query.copy()
    variables: dict[str, str] = {}
    missing: list[str] = []
    for node in list(query.find_all(exp.Parameter)):
        name = node.name.lower()
        if name not in declared:
            continue  # a local variable: the translator names it
        default = defaults.get(name)
        if default is None and declared[name][0] not in missing:
            missing.append(declared[name][0])
        placeholder, jinja = _variable(name, default)
        variables[placeholder] = jinja
        node.replace(_typed(exp.column(placeholder), declared[name][1]))
    return query, variables, missing


def parameter_variables(module: SourceObject) -> tuple[dict[str, str], list[str]]:
    """Every declared parameter as a dbt var, placeholder -> `{{ var('p', <default>) }}` (as
    `bind_parameters` maps them), and the parameters, as declared, that have no default."""
    defaults = module.header.parameter_defaults if module.header else {}
    variables = dict(_variable(name.lstrip("@").lower(), defaults.get(name.lstrip("@").lower()))
                     for name, _ in module.parameters)
    return variables, [name for name, _ in module.parameters if defaults.get(name.lstrip("@").lower()) is None]


def scalar_parameters(module: SourceObject) -> bool:
    """Whether every parameter has a scalar type: a table-valued parameter (a user-defined table
    type, READONLY) cannot be a dbt var."""
    for _, data_type in module.parameters:
        try:
            if exp.DataType.build(data_type, dialect="tsql").is_type(exp.DataType.Type.USERDEFINED):
                return False
        except (SqlglotError, ValueError):
            return False
    return True


def _variable(name: str, default: str | None) -> tuple[str, str]:
    """A parameter's placeholder column and the dbt var that replaces it."""
    folded = fold_identifier(name)
    return f"{VARIABLE_PREFIX}{folded}", "{{ var('%s', %s) }}" % (folded, _jinja_string(default or "null"))


def _typed(column: exp.Column, data_type: str) -> exp.Expression:
    try:
        return exp.Cast(this=column, to=exp.DataType.build(data_type, dialect="tsql"))
    except (SqlglotError, ValueError):
        return column


def _jinja_string(text: str) -> str:
    """A Jinja string literal holding SQL text, quoted so that it reads plainly."""
    if "'" not in text:
        return f"'{text}'"
    if '"' not in text:
        return f'"{text}"'
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"
