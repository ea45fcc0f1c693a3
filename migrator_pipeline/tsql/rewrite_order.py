"""The order in which the semantic rewrites run. Order matters: each comment says why.

The rewrites live by subject: numbers (number_rewrites.py), conversions (conversion_rewrites.py),
strings (string_rewrites.py, string_function_rewrites.py), collation (collation_rewrites.py), dates
(date_rewrites.py) and query shapes (query_rewrites.py); what they share (RewriteContext, templates)
is rewrites.py, and the types they ask for come from sqlserver_types.py.
"""

from __future__ import annotations

from sqlglot import exp

from migrator_pipeline.tsql.collation_rewrites import (
    case_insensitive_comparisons,
    case_insensitive_grouping,
    case_insensitive_ordering,
    charindex_ignores_case,
    in_subquery_ignores_case,
    like_patterns,
    nullif_ignores_case,
    patindex,
    replace_ignores_case,
    set_operations_ignore_case,
    string_extremes_in_dictionary_order,
)
from migrator_pipeline.tsql.conversion_rewrites import (
    blank_strings_convert_to_zero,
    conversions,
    data_types,
    integer_casts_truncate,
    integers_into_short_strings,
    money_as_text,
    try_casts,
)
from migrator_pipeline.tsql.date_rewrites import (
    date_additions,
    date_differences,
    date_from_parts,
    date_names,
    date_parts,
    datetime_day_arithmetic,
    datetime_literals_to_ticks,
    datetime_ticks,
    integer_dates,
    is_date,
    local_timestamps,
)
from migrator_pipeline.tsql.number_rewrites import (
    arithmetic_in_sqlserver_types,
    bit_comparisons,
    datetime_as_number,
    exact_from_binary,
    integer_average,
    money_literals,
    power_in_first_argument_type,
    round_with_truncation,
)
from migrator_pipeline.tsql.query_rewrites import (
    choose,
    drop_query_hints,
    drop_table_hints,
    grouping_sets,
    pivots,
    recursive_ctes,
    top_rows,
)
from migrator_pipeline.tsql.rewrites import (
    Rewrite,
    RewriteContext,
)
from migrator_pipeline.tsql.string_function_rewrites import (
    branches_in_result_type,
    for_xml_path_aggregation,
    for_xml_read_back,
    quotename,
    space_negative_is_null,
    str_function,
)
from migrator_pipeline.tsql.json_rewrites import json_functions
from migrator_pipeline.tsql.xml_rewrites import xml_methods
from migrator_pipeline.tsql.string_rewrites import (
    char_padding,
    datalength_in_bytes,
    isnull_takes_the_first_type,
    length_ignores_trailing_spaces,
    national_strings,
    replicate_negative_is_null,
    string_agg_of_any_type,
    string_concatenation,
    stuff_as_overlay,
)

REWRITES: list[Rewrite] = [
    drop_table_hints, drop_query_hints,
    # before anything reads GROUP BY: `WITH ROLLUP` becomes ROLLUP (...) in its expressions
    grouping_sets,
    # before the xml methods: `(... FOR XML PATH(''), TYPE).value('.', ...)` is the text itself
    for_xml_read_back,
    # before anything reads columns: sqlglot reads `$12.50` as a column
    money_literals,
    # after the FOR XML read-back, before anything reads CASTs or functions: xml methods become
    # xpath() calls and typed CASTs
    xml_methods,
    # before conversions and types: JSON_VALUE's text is nvarchar(4000), JSON_QUERY's nvarchar(max)
    json_functions,
    # first: every later rewrite then sees a plain grouped subquery, CASE and comparisons
    pivots,
    recursive_ctes,
    choose,
    # before types are mapped: it recognises DATENAME by the parser's CAST(x AS datetime2)
    date_names,
    # before types are mapped: the parser's own CAST(x AS TEXT) around LEN's argument goes
    length_ignores_trailing_spaces,
    # before conversions: CAST(money AS varchar) shows 2 decimals (CONVERT's styles are read there)
    money_as_text,
    conversions,
    # before types are mapped: these read declared SQL Server types (nvarchar vs varchar, money)
    datalength_in_bytes, isnull_takes_the_first_type, integer_casts_truncate, round_with_truncation,
    data_types,
    # after data_types (the guard names the PostgreSQL type) and conversions (TRY_CONVERT)
    blank_strings_convert_to_zero, try_casts, integers_into_short_strings,
    # the type-aware rewrites read operand kinds from the (now PostgreSQL) cast types
    string_concatenation,
    # after `+` between strings became `||`: what is left of + - * / % is arithmetic
    arithmetic_in_sqlserver_types, power_in_first_argument_type, exact_from_binary, branches_in_result_type,
    # after `+` became `||`: a char(n) operand keeps its padding in the concatenation
    char_padding,
    # after char_padding (REPLACE's argument is padded first); its result counts as text
    replace_ignores_case,
    # after `+` became `||` (so a concatenation counts as text); grouping before comparisons
    # so that the lower(rtrim()) keys it adds are not folded twice
    stuff_as_overlay, replicate_negative_is_null, string_agg_of_any_type, case_insensitive_grouping,
    # after grouping, whose min(x) keys it then orders by lower(rtrim())
    case_insensitive_ordering,
    # after ordering (a set operation's ORDER BY names its output columns) and grouping (whose
    # min() keys are group values, not MINs the query wrote)
    set_operations_ignore_case, string_extremes_in_dictionary_order,
    case_insensitive_comparisons, in_subquery_ignores_case, nullif_ignores_case, charindex_ignores_case, like_patterns,
    # after the comparison and REPLACE rewrites, which would read their PostgreSQL as T-SQL
    str_function, quotename, space_negative_is_null, for_xml_path_aggregation, patindex,
    bit_comparisons,
    integer_average,
    # before the date rewrites read their arguments: a number there is days since 1900
    integer_dates,
    date_parts,
    date_differences,
    # before DATEADD becomes interval arithmetic, whose kind is no longer known
    datetime_day_arithmetic,
    # after datetime - datetime became a datetime again
    datetime_as_number,
    # after the arithmetic and date part rewrites, which would read their PostgreSQL as T-SQL
    date_from_parts, is_date,
    # before DATEADD becomes interval arithmetic: a millisecond added lands on a tick
    datetime_ticks, datetime_literals_to_ticks,
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
