"""Procedures with cursors or WHILE loops (`planning.procedures` finds them): models for the LLM.

A procedure whose row-by-row code fills tables of the estate becomes one `table` model per table
it fills, carrying its T-SQL; the LLM rewrites it as one set-based T-SQL query that the rules then
translate (`agents.executor`). Without the LLM the model needs review with the same reason.

A procedure's parameters become dbt vars, exactly as for the procedures the rules translate
(`planning.parameters`): the LLM keeps each as `@name` in its query, the executor binds it to
`{{ var('name', <declared default>) }}`, and the model is the table as the procedure leaves it
when called with the vars' values. A parameter without a default in SQL Server is a var whose
default is null (what `EXEC proc NULL` would do); the model's description names it, to be set
with `--vars`.
"""

from __future__ import annotations

from migrator_pipeline.catalog.model import Catalog, SourceObject
from migrator_pipeline.planning.parameters import parameter_variables, scalar_parameters
from migrator_pipeline.planning.sketches import ModelSketch
from migrator_pipeline.tsql.identifiers import fold_identifier
from migrator_pipeline.tsql.lexer import tokenize
from migrator_pipeline.tsql.tokens import multipart_name

CURSOR_REASON = "cursor: row-by-row logic, needs a set-based rewrite"
WHILE_REASON = "WHILE loop: row-by-row logic, needs a set-based rewrite"

# what the rules cannot read but the LLM can rewrite as one set-based query per table written
PROCEDURAL_REASONS = (CURSOR_REASON, WHILE_REASON)


def procedural_sketches(procedure: SourceObject, catalog: Catalog,
                        reasons: list[str]) -> list[ModelSketch] | None:
    """A procedure with a cursor or a WHILE loop that fills tables: one `table` model per table it
    writes, each carrying the procedure's whole T-SQL, for the LLM to rewrite as one set-based
    T-SQL query that the rules then translate (`agents.executor`). Without the LLM the model is
    `needs_review` with the same reason. None when this does not apply: no loop or cursor, dynamic
    SQL, a table-valued parameter (no dbt var can hold a table), or no table of the estate written."""
    procedural = [r for r in reasons if r in PROCEDURAL_REASONS]
    if not procedural or not scalar_parameters(procedure):
        return None
    header = procedure.header
    tsql = (procedure.body[header.body_start :] if header and header.body_start is not None
            else procedure.body).strip()
    # only tables it fills: a table it also updates or deletes from in place keeps rows from
    # before the run that no rewrite can know; it stays a source. So does one holding rows in the
    # source that the code appends to without truncating it first, and the procedure needs review
    inserted, truncated = _inserted_only(tsql), _truncated(tsql)
    if any(_holds_rows(catalog, key) for key in inserted - truncated):  # appends to rows: review it all
        return None
    targets = [t for key in procedure.writes if key in inserted
               and (t := catalog.get(key)) is not None and t.kind == "table"]
    if not targets:
        return None
    written = {t.key for t in targets}
    reads = [key for key in _named_relations(tsql, catalog) if key not in written and key != procedure.key]
    reason = "; ".join(procedural)
    variables, unset = parameter_variables(procedure)
    how = (f" as {procedure.source} leaves it, rewritten from its row-by-row code ({reason}) as one "
           f"set-based query by the LLM, then translated by the rules.{_vars_note(procedure, unset)}")
    sketches = [ModelSketch(
        fold_identifier(table.name), table.schema, table.source, "table", procedure.key, tsql, table.key,
        depends_on=reads, columns=[c.name for c in table.columns if not c.computed], procedural=reason,
        variables=dict(variables), description=table.source + how,
    ) for table in targets]
    return sketches


def _vars_note(procedure: SourceObject, unset: list[str]) -> str:
    """What the model's description says of the procedure's parameters, now dbt vars."""
    if not procedure.parameters:
        return ""
    names = ", ".join(fold_identifier(name.lstrip("@")) for name, _ in procedure.parameters)
    note = f" Its parameters are dbt vars ({names}) defaulting to SQL Server's defaults"
    if unset:
        note += f"; without one there ({', '.join(unset)}) a var is null until set with --vars"
    return note + "."


def _holds_rows(catalog: Catalog, key: str) -> bool:
    data = catalog.data_for(key)
    return data is not None and bool(data.rows)


def _truncated(tsql: str) -> set[str]:
    """Keys of the tables the code empties with TRUNCATE TABLE."""
    tokens = tokenize(tsql)
    emptied = set()
    for index, token in enumerate(tokens[:-1]):
        if token.kind == "word" and token.upper == "TRUNCATE" and tokens[index + 1].upper == "TABLE":
            parts, _ = multipart_name(tokens, index + 2)
            if 0 < len(parts) <= 2:
                emptied.add(".".join((["dbo"] + parts)[-2:]).lower())
    return emptied


def _inserted_only(tsql: str) -> set[str]:
    """Keys of the tables the code INSERTs into and never UPDATEs, DELETEs from or MERGEs into."""
    tokens = tokenize(tsql)
    inserted, changed = set(), set()
    for index, token in enumerate(tokens):
        verb = token.upper if token.kind == "word" else ""
        if verb not in ("INSERT", "UPDATE", "DELETE", "MERGE"):
            continue
        at = index + 1
        if at < len(tokens) and tokens[at].kind == "word" and tokens[at].upper in ("INTO", "FROM", "TOP"):
            at += 1
        parts, _ = multipart_name(tokens, at)
        if 0 < len(parts) <= 2:
            key = ".".join((["dbo"] + parts)[-2:]).lower()
            (inserted if verb == "INSERT" else changed).add(key)
    return inserted - changed


def _named_relations(tsql: str, catalog: Catalog) -> list[str]:
    """Tables and views of the estate the code names, in order of first mention: from the lexer's
    tokens, so names in comments and strings never count. A cursor's or loop's statements are not
    parsed into reads by the catalog, so this is how a procedural model learns what it reads."""
    relations = {obj.key for obj in catalog.objects if obj.kind in ("table", "view")}
    tokens = tokenize(tsql)
    found: list[str] = []
    index = 0
    while index < len(tokens):
        parts, after = multipart_name(tokens, index)
        index = max(after, index + 1)
        key = ".".join((["dbo"] + parts)[-2:]).lower() if 0 < len(parts) <= 2 else None
        if key in relations and key not in found:
            found.append(key)
    return found
