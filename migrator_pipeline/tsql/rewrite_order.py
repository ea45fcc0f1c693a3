"""The order in which the semantic rewrites run. Order matters: each comment says why.

The rewrites themselves live by subject: `rewrites.py` (the first set, and the shared
machinery: RewriteContext, templates, type kinds), `string_rewrites.py` (strings, collation,
numbers) and `date_query_rewrites.py` (dates and query shapes).
"""

from __future__ import annotations

from sqlglot import exp

from migrator_pipeline.tsql.rewrites import (
    Rewrite,
    RewriteContext,
    bit_comparisons,
    conversions,
    data_types,
    date_additions,
    date_differences,
    date_parts,
    drop_table_hints,
    integer_average,
    length_ignores_trailing_spaces,
    local_timestamps,
    string_concatenation,
    top_rows,
)

REWRITES: list[Rewrite] = [
    drop_table_hints,
    # before types are mapped: the parser's own CAST(x AS TEXT) around LEN's argument goes
    length_ignores_trailing_spaces,
    conversions,
    data_types,
    # the type-aware rewrites read operand kinds from the (now PostgreSQL) cast types
    string_concatenation,
    bit_comparisons,
    integer_average,
    date_parts,
    date_differences,
    date_additions,
    local_timestamps,
    top_rows,
]


def apply_rewrites(tree: exp.Expression, context: RewriteContext) -> exp.Expression:
    for rewrite in REWRITES:
        tree = rewrite(tree, context)
    return tree
