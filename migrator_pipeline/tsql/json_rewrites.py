"""JSON_VALUE and JSON_QUERY over text that holds JSON, through PostgreSQL's json operators.

SQL Server keeps JSON in nvarchar columns; its paths are `$`, `.key`, `."key"` and `[n]`
(0-based), in lax mode by default. Each path becomes a text array for `#>`/`#>>` on the value
cast to `json` (not `jsonb`, which would rewrite the text of numbers, spacing and key order):
- `JSON_VALUE(x, path)` -> the scalar's text; NULL for JSON null, an object, an array or a
  path that is not there (lax mode);
- `JSON_QUERY(x, path)` -> the object's or array's text as written; NULL for a scalar or a
  missing path (lax mode).
A `strict` path (an error where lax gives NULL) and a path that is not a literal are refused with
a TranslationError, as is text that is not JSON by PostgreSQL (SQL Server refuses it too).
https://learn.microsoft.com/sql/t-sql/functions/json-value-transact-sql
https://learn.microsoft.com/sql/t-sql/functions/json-query-transact-sql
"""

from __future__ import annotations

import re

from sqlglot import exp

from migrator_pipeline.tsql.rewrites import RewriteContext, cast, error_at, template
from migrator_pipeline.tsql.sqlserver_types import SqlType, typed

_STEP = re.compile(r'\.(?:"(?P<quoted>(?:[^"\\]|\\.)*)"|(?P<key>[A-Za-z_$][\w$]*))|\[(?P<index>\d+)\]')
_VALUE = "case when json_typeof(j #> p) in ('object', 'array') then null else j #>> p end"
_QUERY = "case when json_typeof(j #> p) in ('object', 'array') then t end"


def json_functions(tree: exp.Expression, context: RewriteContext) -> exp.Expression:
    """JSON_VALUE and JSON_QUERY (module docstring)."""
    for node in list(tree.find_all(exp.JSONExtractScalar, exp.JSONExtract)):
        if isinstance(node, exp.JSONExtract) and not node.args.get("json_query"):
            continue
        path = _path_array(node.expression)
        if path is None:
            raise error_at("JSON path that is not a literal lax path ($, .key, [n]): not translated", node)
        value = cast(node.this, "json")
        if isinstance(node, exp.JSONExtractScalar):
            node.replace(typed(template(_VALUE, j=value, p=path), SqlType("nvarchar", length=4000)))
        else:
            fragment = cast(template("j #> p", j=value, p=path), "text")
            node.replace(typed(template(_QUERY, j=value, p=path, t=fragment), SqlType("nvarchar", length=-1)))
    return tree


def _path_array(path: exp.Expression) -> exp.Expression | None:
    """`$.a[1]` as `cast('{a,1}' as text[])`, or None when it is not a literal lax path."""
    if isinstance(path, exp.National) or (isinstance(path, exp.Literal) and path.is_string):
        text = path.name.strip()
        text = text[4:].lstrip() if text.lower().startswith("lax ") else text
        if not text.startswith("$"):
            return None  # strict mode, or not a path
        steps, rest = [], text[1:]
        while rest:
            step = _STEP.match(rest)
            if step is None:
                return None
            steps.append(step["quoted"].replace('\\"', '"') if step["quoted"] is not None else step["key"] or step["index"])
            rest = rest[step.end():]
        return _text_array(steps)
    if not isinstance(path, exp.JSONPath):
        return None
    steps = []
    for part in path.expressions:
        if isinstance(part, exp.JSONPathRoot):
            continue
        if isinstance(part, exp.JSONPathKey) and isinstance(part.this, str):
            steps.append(part.this)
        elif isinstance(part, exp.JSONPathSubscript) and isinstance(part.this, int):
            steps.append(str(part.this))
        else:
            return None
    return _text_array(steps)


def _text_array(steps: list[str]) -> exp.Expression:
    quoted = ",".join('"' + step.replace("\\", "\\\\").replace('"', '\\"') + '"' for step in steps)
    return cast(exp.Literal.string("{" + quoted + "}"), "text[]")
