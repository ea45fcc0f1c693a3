"""The order in which the semantic rewrites run. Order matters: each comment says why.

The rewrites themselves live by subject: `rewrites.py` (the first set, and the shared
machinery: RewriteContext, templates, type kinds), `string_rewrites.py` (strings, collation,
numbers) and `date_query_rewrites.py` (dates and query shapes).
"""

from __future__ import annotations

from sqlglot import exp

from migrator_pipeline.tsql.date_query_rewrites import (
    choose,
    date_names,
    datetime_day_arithmetic,
    integer_dates,
    pivots,
    recursive_ctes,
    try_casts,
)
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
from migrator_pipeline.tsql.xml_rewrites import xml_methods
from migrator_pipeline.tsql.string_rewrites import (
    case_insensitive_comparisons,
    case_insensitive_grouping,
    case_insensitive_ordering,
    char_padding,
    charindex_ignores_case,
    datalength_in_bytes,
    integer_casts_truncate,
    isnull_takes_the_first_type,
    like_patterns,
    national_strings,
    replace_ignores_case,
    replicate_negative_is_null,
    round_with_truncation,
    string_agg_of_any_type,
    stuff_as_overlay,
)

REWRITES: list[Rewrite] = [
    drop_table_hints,
    # before anything reads CASTs or functions: xml methods become xpath() calls and typed CASTs
    xml_methods,
    # first: every later rewrite then sees a plain grouped subquery, CASE and comparisons
    pivots,
    recursive_ctes,
    choose,
    # before types are mapped: it recognises DATENAME by the parser's CAST(x AS datetime2)
    date_names,
    # before types are mapped: the parser's own CAST(x AS TEXT) around LEN's argument goes
    length_ignores_trailing_spaces,
    conversions,
    # before types are mapped: these read declared SQL Server types (nvarchar vs varchar, money)
    datalength_in_bytes, isnull_takes_the_first_type, integer_casts_truncate, round_with_truncation,
    data_types,
    # after data_types (the guard names the PostgreSQL type) and conversions (TRY_CONVERT)
    try_casts,
    # the type-aware rewrites read operand kinds from the (now PostgreSQL) cast types
    string_concatenation,
    # after `+` became `||`: a char(n) operand keeps its padding in the concatenation
    char_padding,
    # after char_padding (REPLACE's argument is padded first); its result counts as text
    replace_ignores_case,
    # after `+` became `||` (so a concatenation counts as text); grouping before comparisons
    # so that the lower(rtrim()) keys it adds are not folded twice
    stuff_as_overlay, replicate_negative_is_null, string_agg_of_any_type, case_insensitive_grouping,
    # after grouping, whose min(x) keys it then orders by lower(rtrim())
    case_insensitive_ordering,
    case_insensitive_comparisons, charindex_ignores_case, like_patterns,
    bit_comparisons,
    integer_average,
    # before the date rewrites read their arguments: a number there is days since 1900
    integer_dates,
    date_parts,
    date_differences,
    # before DATEADD becomes interval arithmetic, whose kind is no longer known
    datetime_day_arithmetic,
    date_additions,
    local_timestamps,
    top_rows,
    # last: every rewrite before reads N'...' as nvarchar
    national_strings,
]


def apply_rewrites(tree: exp.Expression, context: RewriteContext) -> exp.Expression:
    for rewrite in REWRITES:
        tree = rewrite(tree, context)
    return tree
