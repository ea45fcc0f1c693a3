"""Names: models named after objects or target tables, collisions settled, and the names map.

Every identifier goes through `fold_identifier`; columns that collide once folded are settled
by `fold_columns` (rules in `planning.planner`'s docstring). Under the `snake_case` policy,
`snake_case_spellings` settles each declared name's dbt name once for the whole catalog.
"""

from __future__ import annotations

from collections import Counter

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError

from migrator_pipeline.catalog.model import Catalog, SourceObject
from migrator_pipeline.planning.model import MigrationPlan
from migrator_pipeline.planning.sketches import ModelSketch
from migrator_pipeline.tsql.identifiers import (
    IDENTIFIER_POLICIES, fit_identifier, fold_columns, fold_identifier, lower_identifier, snake_identifier)


def snake_case_spellings(catalog: Catalog) -> tuple[dict[str, str], list[str]]:
    """Every name the catalog declares (schemas, objects, columns, parameters, views' outputs), by its lower
    case, -> its `snake_case` dbt name, where that differs from the `lower` policy's; and notes
    on the names settled otherwise. Settled for the whole catalog at once, so that every
    spelling of a name, in any object, becomes the same dbt name:
    - spellings of one name that split differently (`EmailAddress`, `EMailAddress`) take the
      spelling declared most often (then the one with most words, then the first in sorted order);
    - two names that would become one (`OrderID`, `Order_ID` -> `order_id`): the name already
      in that form keeps it, the others keep their `lower` names (`orderid`); with none already
      in that form, the first in sorted order keeps it."""
    spellings: dict[str, Counter[str]] = {}
    for name in _declared_names(catalog):
        spellings.setdefault(name.lower(), Counter())[name] += 1
    notes: list[str] = []
    chosen: dict[str, str] = {}
    for lowered, written in sorted(spellings.items()):
        candidates = sorted(written, key=lambda n: (-written[n], -snake_identifier(n).count("_"), n))
        chosen[lowered] = snake_identifier(candidates[0])
        if len({snake_identifier(n) for n in written}) > 1:
            notes.append(f"{' / '.join(sorted(written))} -> {chosen[lowered]}: one name in SQL Server, spelt "
                         "differently; the most declared spelling names it")
    claimants: dict[str, list[str]] = {}
    for lowered, snake in chosen.items():
        claimants.setdefault(snake, []).append(lowered)
    for snake, names in claimants.items():
        if len(names) < 2:
            continue
        keeper = next((n for n in names if lower_identifier(n) == snake), names[0])
        for lowered in names:
            if lowered != keeper:
                chosen[lowered] = lower_identifier(lowered)
                notes.append(f"{lowered} -> {chosen[lowered]}: {snake} names {keeper} already")
    return {n: snake for n, snake in chosen.items() if snake != lower_identifier(n)}, notes


def _declared_names(catalog: Catalog):
    for obj in catalog.objects:
        yield obj.schema
        yield obj.name
        yield from (column.name for column in obj.columns)
        yield from (name.lstrip("@") for name, *_ in obj.parameters)
        if obj.kind == "view" and not obj.columns:  # a view's columns are its SELECT's outputs
            yield from _view_outputs(obj)


def _view_outputs(view: SourceObject) -> list[str]:
    header = view.header
    query = _parse_query(view.body[header.body_start:].strip().rstrip(";")) if header and header.body_start else None
    return [name for name in query.named_selects if name] if query is not None else []


def identifier_spellings(catalog: Catalog, policy: str) -> tuple[dict[str, str], list[str]]:
    """The spellings `spelling_names` applies under `policy` (none under `lower`), and notes."""
    if policy not in IDENTIFIER_POLICIES:
        raise ValueError(f"unknown identifier policy {policy!r}: use one of {', '.join(IDENTIFIER_POLICIES)}")
    return snake_case_spellings(catalog) if policy == "snake_case" else ({}, [])


def settle_names(sketches: list[ModelSketch]) -> None:
    """Each sketch named as desired; names that collide are all prefixed with `<schema>__`,
    and the description says so. Sorts the sketches by name."""
    by_name: dict[str, list[ModelSketch]] = {}
    for sketch in sketches:
        by_name.setdefault(sketch.desired, []).append(sketch)
    taken: set[str] = set()
    for desired, group in by_name.items():
        for sketch in sorted(group, key=lambda d: d.source.lower()):
            sketch.name = desired if len(group) == 1 else fit_identifier(f"{fold_identifier(sketch.schema)}__{desired}")
            # two names of one schema that fold alike (`vOrders`, `v_orders` under snake_case)
            name, number = sketch.name, 1
            while len(group) > 1 and name in taken:
                number += 1
                name = fit_identifier(f"{sketch.name}_{number}")
            sketch.name = name
            taken.add(name)
            if len(group) > 1:
                others = ", ".join(d.source for d in group if d is not sketch)
                sketch.description = f"named {sketch.name}: {desired} is also the name of {others}"
    sketches.sort(key=lambda d: d.name)


def distinct_outputs(tsql: str) -> tuple[str, dict[str, str]]:
    """The query with outputs that collide once folded (`[Order Date]`, `order_date`) aliased
    apart by `fold_columns`, and its output -> dbt column names. Unchanged when none collide;
    no names when the text does not parse or selects `*`."""
    query = _parse_query(tsql)
    if query is None or any(isinstance(s, exp.Star) for s in query.selects):
        return tsql, {}
    named = list(query.named_selects)
    settled = fold_columns([n for n in named if n])
    if len(set(named)) != len(named) or all(folded == fold_identifier(n) for n, folded in settled.items()):
        return tsql, settled
    aliases = [n if settled[n] == fold_identifier(n) else settled[n] for n in named]
    return output_columns(query, aliases).sql("tsql", pretty=True), settled


def _parse_query(tsql: str) -> exp.Query | None:
    try:
        query = sqlglot.parse_one(tsql, read="tsql")
    except SqlglotError:
        return None
    return query if isinstance(query, exp.Query) else None


def output_columns(query: exp.Query, columns: list[str] | None) -> exp.Query:
    """Alias the SELECT's outputs (the first branch of a UNION) to the target's column names."""
    if not columns:
        return query
    select = query
    while isinstance(select, exp.SetOperation):
        select = select.this
    if not isinstance(select, exp.Select) or any(isinstance(e, exp.Star) for e in select.expressions):
        return query
    outputs = []
    for projection, column in zip(select.expressions, columns):
        # only an alias or a bare column names an output: sqlglot's alias_or_name also answers
        # for CAST(x AS date), whose output name is then up to the database
        if isinstance(projection, exp.Alias):
            named = projection.alias
        else:
            named = projection.name if isinstance(projection, exp.Column) else ""
        if named.lower() == column.lower():
            outputs.append(projection)
        else:
            inner = projection.this if isinstance(projection, exp.Alias) else projection
            outputs.append(exp.alias_(inner, column))
    select.set("expressions", outputs + select.expressions[len(columns) :])
    return query


def name_map(catalog: Catalog, plan: MigrationPlan, sketches: list[ModelSketch],
             dropped_columns: dict[str, list[str]]) -> dict[str, dict]:
    planned = {m.name for m in plan.models}
    by_target = {d.target: d for d in sketches if d.target and d.name in planned}
    by_origin = {d.origin: d for d in sketches if not d.target and d.name in planned}
    entries = {e.object: e for e in plan.entries}
    analyses: dict[str, str] = {}  # the first analysis of each object, indexed once (not per object)
    for m in plan.models:
        if m.resource == "analysis":
            analyses.setdefault(m.origin, m.name)
    names: dict[str, dict] = {}
    for obj in catalog.objects:
        entry = entries[obj.key]
        model = analyses.get(obj.key, entry.models[0] if len(entry.models) == 1 else None)
        columns: dict[str, str | None] = {}
        if obj.kind == "table" and model is not None:
            columns = _table_names(obj, by_target.get(obj.key), dropped_columns.get(obj.key, []))
        elif obj.kind in ("view", "function", "procedure") and obj.key in by_origin:
            columns = by_origin[obj.key].outputs
        elif entry.artifact == "macro":
            columns = {name: fold_identifier(name.lstrip("@")) for name, _ in obj.parameters}
        names[obj.source] = {"model": model, "columns": columns}
    return names


def _table_names(table: SourceObject, sketch: ModelSketch | None, dropped: list[str]) -> dict[str, str | None]:
    settled = fold_columns([c.name for c in table.columns])
    kept = None
    if sketch is not None and sketch.columns is not None:
        kept = {c.lower() for c in sketch.columns} | {v.lower() for v in sketch.meta_columns.values()}
    return {name: None if (kept is not None and name.lower() not in kept) or name in dropped else folded
            for name, folded in settled.items()}
