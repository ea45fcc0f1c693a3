"""The migration plan: what each source object becomes in the dbt project."""

from __future__ import annotations

from dataclasses import dataclass, field

from migrator_pipeline.serialisation import SavedAsJson

ARTIFACTS = ("source", "model", "snapshot", "macro", "needs_review", "skipped")
# what a planned model is written as: models/<layer>/, snapshots/ or analyses/
RESOURCES = ("model", "snapshot", "analysis")
LAYERS = ("staging", "intermediate", "marts")
MATERIALIZATIONS = ("view", "table", "incremental", "ephemeral")


@dataclass
class PlannedCheck:
    """A CHECK constraint as a dbt test on a source (`planning.check_tests`)."""

    test: str  # "accepted_values" or "expression_is_true"
    check: str  # the T-SQL condition it tests, as written
    column: str | None = None  # accepted_values on this (raw) column
    column_expression: str | None = None  # ... or on this PostgreSQL expression (dbt's column_name)
    values: list[str] = field(default_factory=list)
    quote: bool = True  # the values are strings
    expression: str | None = None  # expression_is_true: the condition, in PostgreSQL


@dataclass
class PlannedSource:
    """A SQL Server table loaded from outside: a dbt source over the raw schema."""

    object: str  # object key, `schema.name` lower case
    source_name: str  # dbt source name: the SQL Server schema, folded
    table_name: str  # dbt source table name: the SQL Server table, folded
    identifier: str  # relation name in the raw schema: `<schema>__<table>`
    checks: list[PlannedCheck] = field(default_factory=list)


@dataclass
class PlannedModel:
    name: str  # dbt model name, unique in the project
    layer: str  # one of LAYERS
    materialized: str  # one of MATERIALIZATIONS
    origin: str  # object key of what produces it: a view, procedure, function, or the source table
    tsql: str  # one T-SQL SELECT carrying the logic (temp tables already inlined as CTEs)
    target: str | None = None  # object key of the SQL Server table this model now produces
    unique_key: list[str] = field(default_factory=list)
    depends_on: list[str] = field(default_factory=list)  # object keys read
    description: str | None = None
    # staging models are generated, not translated: their PostgreSQL SQL is known up front
    sql: str | None = None
    resource: str = "model"  # one of RESOURCES
    # dbt vars: placeholder column in the SQL (`migrator_var__<name>`) -> `{{ var('<name>', default) }}`
    variables: dict[str, str] = field(default_factory=dict)
    # snapshots: strategy='check' columns, and dbt meta column -> the SQL Server column it replaces
    check_cols: list[str] = field(default_factory=list)
    meta_columns: dict[str, str] = field(default_factory=dict)
    # incremental models: dbt's incremental_strategy when not the adapter's default (`delete+insert`)
    incremental_strategy: str | None = None
    # SQL run before each incremental build (a DELETE of the window the load replaces), with Jinja
    pre_hook: str | None = None
    # `tsql` is a procedure's row-by-row code (a cursor, a WHILE loop), not a query: why. Only the
    # LLM can rewrite it as one set-based query; without it the model needs review for this reason
    procedural: str | None = None
    # the folder under its layer: a staging model's dbt source (`models/staging/<source>/`)
    folder: str | None = None


@dataclass
class BodyLine:
    """One line of a PL/pgSQL function body (`PlannedMacro.plpgsql`): PL/pgSQL text, or text
    around a T-SQL SELECT that the executor translates in its place (dbt_project/functions.py)."""

    depth: int  # nesting: indented by two spaces a level
    text: str  # the line's PL/pgSQL; with `tsql`, what comes before the translated query
    tsql: str | None = None  # a T-SQL SELECT, translated like a model's
    # how the translated query stands in the line: "value" (its one expression), "condition"
    # (its WHERE), or "query" (the whole SELECT)
    form: str = "query"
    end: str = ""  # with `tsql`, the PL/pgSQL after the translated query


@dataclass
class PlannedMacro:
    """A scalar function, called from models as a dbt macro: one expression, or a database
    function the project creates (`tsql_body`, or `plpgsql` lines)."""

    name: str
    origin: str  # object key of the function
    parameters: list[str]  # parameter names without `@`, folded
    tsql_expression: str  # the RETURN expression, in T-SQL, parameters as `@name`
    # a scalar function that reads tables is a database function the dbt project creates
    # (dbt_project/functions.py), not a macro that expands in place: its body as one T-SQL
    # SELECT (parameters as arguments, planning/scalar_functions.function_body), the
    # PostgreSQL types of its arguments and of its result. None for an expression macro.
    tsql_body: str | None = None
    argument_types: list[str] = field(default_factory=list)
    returns: str | None = None
    # a function whose body is not one expression (IF ... BEGIN ... END, loops, early RETURNs):
    # a PL/pgSQL database function, its statements translated one by one
    # (planning/plpgsql_functions.py). Empty otherwise.
    plpgsql: list[BodyLine] = field(default_factory=list)


@dataclass
class PlanEntry:
    """One per source object: the evaluator's and the user's view of the plan."""

    object: str
    source: str  # `schema.name` as in SQL Server
    kind: str
    artifact: str  # one of ARTIFACTS
    models: list[str] = field(default_factory=list)
    reason: str | None = None


@dataclass
class MigrationPlan(SavedAsJson):
    project: str
    raw_schema: str
    sources: list[PlannedSource] = field(default_factory=list)
    models: list[PlannedModel] = field(default_factory=list)  # in dependency order
    macros: list[PlannedMacro] = field(default_factory=list)
    entries: list[PlanEntry] = field(default_factory=list)
    # object key -> the Jinja that names its relation in a model: {{ source(..) }} or {{ ref(..) }}
    relations: dict[str, str] = field(default_factory=dict)
    # `schema.name` as in SQL Server -> {"model": the dbt name it became or None,
    #                                    "columns": {SQL Server column: column in dbt}}
    names: dict[str, dict] = field(default_factory=dict)
    # the identifier policy (`tsql.identifiers`): "lower" or "snake_case"; under snake_case, the
    # spellings every step names through (`planning.naming.snake_case_spellings`)
    identifier_policy: str = "lower"
    spellings: dict[str, str] = field(default_factory=dict)
    # what a person should know about the plan's names and tests: names settled otherwise than
    # the policy says, CHECK constraints left untested
    notes: list[str] = field(default_factory=list)

    def model(self, name: str) -> PlannedModel | None:
        return next((m for m in self.models if m.name == name), None)
