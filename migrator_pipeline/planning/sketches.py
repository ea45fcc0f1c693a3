"""Model sketches: what each object will become, before names and layers are settled."""

from __future__ import annotations

from dataclasses import dataclass, field

from migrator_pipeline.planning.model import PlannedModel


@dataclass
class ModelSketch:
    """A planned model (or snapshot, or analysis) as the planner first lays it out, before its
    name and layer are settled across the estate; `planned_model` turns it into the plan's model.
    Not the agents' `DraftModel`, which holds a planned model's translated PostgreSQL."""

    desired: str
    schema: str
    source: str  # `schema.name` of the object named, for collision ordering
    materialized: str
    origin: str
    tsql: str
    target: str | None = None
    unique_key: list[str] = field(default_factory=list)
    depends_on: list[str] = field(default_factory=list)
    name: str = ""
    description: str | None = None
    layer: str = "marts"
    resource: str = "model"
    variables: dict[str, str] = field(default_factory=dict)
    check_cols: list[str] = field(default_factory=list)
    meta_columns: dict[str, str] = field(default_factory=dict)
    columns: list[str] | None = None  # target columns produced, as in SQL Server; None: unknown
    outputs: dict[str, str] = field(default_factory=dict)  # views, functions: output -> dbt column
    review: str | None = None  # written, but a person must review it (analyses)
    incremental_strategy: str | None = None
    pre_hook: str | None = None
    procedural: str | None = None  # row-by-row code for the LLM to rewrite: why the rules cannot


def planned_model(sketch: ModelSketch) -> PlannedModel:
    """The plan's model of a settled sketch."""
    return PlannedModel(
        sketch.name, sketch.layer, sketch.materialized, sketch.origin, sketch.tsql, sketch.target,
        sketch.unique_key, sketch.depends_on, sketch.description, resource=sketch.resource,
        variables=sketch.variables, check_cols=sketch.check_cols, meta_columns=sketch.meta_columns,
        incremental_strategy=sketch.incremental_strategy, pre_hook=sketch.pre_hook,
        procedural=sketch.procedural,
    )
