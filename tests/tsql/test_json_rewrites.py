"""JSON_VALUE and JSON_QUERY over nvarchar JSON, run on PostgreSQL; the expected values are what
SQL Server returns in lax mode (WideWorldImporters' shapes)."""

from __future__ import annotations

import pytest

from migrator_pipeline.tsql.rewrites import TranslationError
from migrator_pipeline.tsql.translate import translate_select

DOCUMENT = '{"a": {"b c": [10, {"d": "x"}]}, "n": 1.50, "z": null, "s": "t\\"q"}'
TYPES = {"dbo.docs": {"doc": "nvarchar(max)"}}


def _value(pg, expression: str):
    pg.execute("create temporary table if not exists docs as select %s::text as doc", (DOCUMENT,))
    pg.execute(translate_select(f"SELECT {expression} AS v FROM dbo.docs", relations={"dbo.docs": "docs"},
                                column_types=TYPES))
    return pg.fetchone()[0]


@pytest.mark.parametrize("expression, expected", [
    ("JSON_VALUE(doc, '$.n')", "1.50"),  # the number as written
    ("JSON_VALUE(doc, 'lax $.s')", 't"q'),
    ("JSON_VALUE(doc, '$.a.\"b c\"[1].d')", "x"),
    ("JSON_VALUE(doc, '$.a.\"b c\"[0]')", "10"),
    ("JSON_VALUE(doc, '$.a')", None),  # an object: NULL in lax mode
    ("JSON_VALUE(doc, '$.z')", None),  # JSON null
    ("JSON_VALUE(doc, '$.missing')", None),
    ("JSON_QUERY(doc, N'$.a.\"b c\"')", '[10, {"d": "x"}]'),  # the array's text as written
    ("JSON_QUERY(doc, '$.n')", None),  # a scalar: NULL in lax mode
    ("JSON_QUERY(doc)", DOCUMENT),
])
def test_json_functions_return_what_sql_server_returns(pg, expression, expected):
    assert _value(pg, expression) == expected


def test_a_strict_path_is_refused_with_its_position():
    with pytest.raises(TranslationError, match=r"JSON path that is not a literal lax path.*line 1"):
        translate_select("SELECT JSON_VALUE(doc, 'strict $.a') AS v FROM dbo.docs", relations={"dbo.docs": "docs"},
                         column_types=TYPES)
