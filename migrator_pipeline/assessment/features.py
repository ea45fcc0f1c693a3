"""T-SQL features that decide how an object can be migrated, found in its body.

Detection works on tokens, never on raw text, so a feature word inside a string
literal or a comment never counts. The tokens come from sqlglot's T-SQL tokenizer;
when it gives up (an unterminated string or comment is normal in legacy scripts),
a small regular-expression lexer that drops comments and strings takes over, and
the same detectors run on its output.

Each feature is reported with the 1-based line, within the body, of its first
occurrence.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from sqlglot.dialects.dialect import Dialect
from sqlglot.errors import SqlglotError
from sqlglot.tokens import TokenType

# Canonical order: reports and tests list features in this order.
FEATURES = (
    "cursor",  # DECLARE c CURSOR ...: row-by-row processing
    "while_loop",  # WHILE ...
    "dynamic_sql",  # EXEC(@sql), EXEC sp_executesql, EXEC @procname
    "temp_table",  # #t, ##t
    "table_variable",  # DECLARE @t TABLE (...)
    "merge",  # MERGE statement (not the MERGE JOIN hint)
    "try_catch",  # BEGIN TRY ... END TRY BEGIN CATCH ... END CATCH
    "transaction",  # BEGIN TRAN, COMMIT, ROLLBACK, SAVE TRAN
    "output_clause",  # OUTPUT inserted.* / deleted.* / $action (not OUTPUT parameters)
    "xml_methods",  # x.value(...), .nodes(, .query(, .exist(, .modify(
    "for_xml",  # FOR XML
    "for_json",  # FOR JSON
    "clr_types",  # hierarchyid, geography, geometry
    "pivot",  # PIVOT
    "unpivot",  # UNPIVOT
    "recursive_cte",  # a CTE that reads itself
    "rowcount",  # @@ROWCOUNT
    "scope_identity",  # SCOPE_IDENTITY(), @@IDENTITY, IDENT_CURRENT()
    "cross_database",  # db.schema.table, server.db.schema.table, OPENQUERY/OPENROWSET/OPENDATASOURCE
)

_STRING_TOKENS = {
    TokenType.STRING,
    TokenType.NATIONAL_STRING,
    TokenType.BIT_STRING,
    TokenType.BYTE_STRING,
    TokenType.HEX_STRING,
    TokenType.RAW_STRING,
    TokenType.NATIONAL_RAW_STRING,
    TokenType.HEREDOC_STRING,
    TokenType.UNICODE_STRING,
}
_WORD = re.compile(r"^[^\W\d][\w$]*$|^\$\w+$")


@dataclass(frozen=True)
class Lexeme:
    """One token, reduced to what the detectors need.

    kind: "word" (bare word or keyword), "quoted" ([x] or "x"), "string", "number",
    "variable" (@x, @@x), "temp" (#x, ##x) or "punct".
    """

    kind: str
    text: str
    start: int  # character offset in the body

    @property
    def upper(self) -> str:
        return self.text.upper()

    def is_word(self, *words: str) -> bool:
        return self.kind == "word" and self.upper in words

    @property
    def is_name(self) -> bool:
        return self.kind in ("word", "quoted", "temp")


@dataclass
class FeatureScan:
    features: dict[str, int]  # feature -> 1-based line in the body of its first occurrence
    tokenizer: str  # "sqlglot" or "fallback"
    error: str | None = None  # why sqlglot's tokenizer gave up


def scan_features(body: str) -> FeatureScan:
    """All features in `body`, with the line of each one's first occurrence."""
    try:
        lexemes = sqlglot_lexemes(body)
        tokenizer, error = "sqlglot", None
    except SqlglotError as exc:  # unterminated strings and comments, mostly
        lexemes = fallback_lexemes(body)
        tokenizer, error = "fallback", str(exc).splitlines()[0][:200]
    return FeatureScan(_detect(lexemes, body), tokenizer, error)


def detect_features(body: str) -> dict[str, int]:
    """Feature -> 1-based line within `body` of its first occurrence, in FEATURES order."""
    return scan_features(body).features


# --- lexing -----------------------------------------------------------------


def sqlglot_lexemes(body: str) -> list[Lexeme]:
    """sqlglot's T-SQL tokens, with `@x`, `@@x`, `#x` and `##x` glued back into one lexeme."""
    tokens = Dialect.get_or_raise("tsql").tokenize(body)
    lexemes: list[Lexeme] = []
    index = 0
    while index < len(tokens):
        token = tokens[index]
        if token.token_type in (TokenType.PARAMETER, TokenType.HASH):
            glued, index = _glue_prefixed(tokens, index)
            lexemes.append(glued)
            continue
        lexemes.append(_lexeme_of(token))
        index += 1
    return lexemes


def _glue_prefixed(tokens: list, index: int) -> tuple[Lexeme, int]:
    """`@` `@` `ROWCOUNT` -> one "variable" lexeme `@@ROWCOUNT`, when the pieces touch."""
    first = tokens[index]
    prefix_type = first.token_type
    text, end, index = first.text, first.end, index + 1
    if index < len(tokens) and tokens[index].token_type == prefix_type and tokens[index].start == end + 1:
        text, end, index = text + tokens[index].text, tokens[index].end, index + 1
    if index < len(tokens) and tokens[index].start == end + 1 and _WORD.match(tokens[index].text):
        text, index = text + tokens[index].text, index + 1
    kind = "variable" if prefix_type == TokenType.PARAMETER else "temp"
    return Lexeme(kind, text, first.start), index


def _lexeme_of(token) -> Lexeme:
    if token.token_type in _STRING_TOKENS:
        return Lexeme("string", token.text, token.start)
    if token.token_type == TokenType.IDENTIFIER:
        kind = "temp" if token.text.startswith("#") else "quoted"
        return Lexeme(kind, token.text, token.start)
    if token.token_type == TokenType.NUMBER:
        return Lexeme("number", token.text, token.start)
    if _WORD.match(token.text):
        return Lexeme("word", token.text, token.start)
    return Lexeme("punct", token.text, token.start)


_FALLBACK = re.compile(
    r"""
      (?P<comment>--[^\n]*|/\*.*?(?:\*/|\Z))
    | (?P<string>[Nn]?'(?:[^']|'')*(?:'|\Z))
    | (?P<quoted>\[(?:[^\]]|\]\])*(?:\]|\Z)|"(?:[^"]|"")*(?:"|\Z))
    | (?P<variable>@@?[\w$]+)
    | (?P<temp>\#\#?[\w$]+)
    | (?P<number>\d+(?:\.\d*)?)
    | (?P<word>[^\W\d][\w$]*|\$\w+)
    | (?P<punct>::|\S)
    """,
    re.VERBOSE | re.DOTALL,
)


def fallback_lexemes(body: str) -> list[Lexeme]:
    """A forgiving lexer for text sqlglot cannot tokenize: unterminated strings and comments run to the end."""
    lexemes = []
    for match in _FALLBACK.finditer(body):
        kind = match.lastgroup
        if kind == "comment":
            continue
        text = match.group()
        if kind == "quoted":
            text = text[1:-1] if len(text) > 1 else ""
            kind = "temp" if text.startswith("#") else "quoted"
        lexemes.append(Lexeme(kind, text, match.start()))
    return lexemes


# --- detection --------------------------------------------------------------


def _detect(lexemes: list[Lexeme], body: str) -> dict[str, int]:
    found: dict[str, int] = {}
    for index in range(len(lexemes)):
        for feature, matches in _DETECTORS:
            if feature not in found and matches(lexemes, index):
                found[feature] = body.count("\n", 0, lexemes[index].start) + 1
    return {feature: found[feature] for feature in FEATURES if feature in found}


def _at(lexemes: list[Lexeme], index: int) -> Lexeme | None:
    return lexemes[index] if 0 <= index < len(lexemes) else None


def _word_at(lexemes: list[Lexeme], index: int, *words: str) -> bool:
    lexeme = _at(lexemes, index)
    return lexeme is not None and lexeme.is_word(*words)


def _punct_at(lexemes: list[Lexeme], index: int, text: str) -> bool:
    lexeme = _at(lexemes, index)
    return lexeme is not None and lexeme.kind == "punct" and lexeme.text == text


def _is_cursor(lexemes: list[Lexeme], i: int) -> bool:
    return lexemes[i].is_word("CURSOR")


def _is_while(lexemes: list[Lexeme], i: int) -> bool:
    return lexemes[i].is_word("WHILE")


def _is_dynamic_sql(lexemes: list[Lexeme], i: int) -> bool:
    if lexemes[i].is_word("SP_EXECUTESQL"):
        return True
    if not lexemes[i].is_word("EXEC", "EXECUTE"):
        return False
    if _punct_at(lexemes, i + 1, "("):
        return True  # EXEC (@sql) / EXEC ('...')
    target = _at(lexemes, i + 1)
    # EXEC @procname: the procedure's name is data. EXEC @rc = dbo.p is a return code.
    return target is not None and target.kind == "variable" and not _punct_at(lexemes, i + 2, "=")


def _is_temp_table(lexemes: list[Lexeme], i: int) -> bool:
    return lexemes[i].kind == "temp" and len(lexemes[i].text.lstrip("#")) > 0


def _is_table_variable(lexemes: list[Lexeme], i: int) -> bool:
    if lexemes[i].kind != "variable" or not _word_at(lexemes, i - 1, "DECLARE"):
        return False
    after = i + 2 if _word_at(lexemes, i + 1, "AS") else i + 1
    return _word_at(lexemes, after, "TABLE")


def _is_merge(lexemes: list[Lexeme], i: int) -> bool:
    # MERGE JOIN and MERGE UNION are optimizer hints, not the MERGE statement.
    return lexemes[i].is_word("MERGE") and not _word_at(lexemes, i + 1, "JOIN", "UNION")


def _is_try_catch(lexemes: list[Lexeme], i: int) -> bool:
    return lexemes[i].is_word("BEGIN") and _word_at(lexemes, i + 1, "TRY")


def _is_transaction(lexemes: list[Lexeme], i: int) -> bool:
    lexeme = lexemes[i]
    if lexeme.is_word("COMMIT", "ROLLBACK"):
        return True
    if lexeme.is_word("BEGIN", "SAVE"):
        return _word_at(lexemes, i + 1, "TRAN", "TRANSACTION", "DISTRIBUTED")
    return False


def _is_output_clause(lexemes: list[Lexeme], i: int) -> bool:
    # `@p int OUTPUT` is an output parameter; the clause names inserted/deleted rows or $action.
    if not lexemes[i].is_word("OUTPUT"):
        return False
    target = _at(lexemes, i + 1)
    return target is not None and target.kind == "word" and target.upper in ("INSERTED", "DELETED", "$ACTION")


def _is_xml_method(lexemes: list[Lexeme], i: int) -> bool:
    return (
        _punct_at(lexemes, i - 1, ".")
        and lexemes[i].is_word("VALUE", "NODES", "QUERY", "EXIST", "MODIFY")
        and _punct_at(lexemes, i + 1, "(")
    )


def _is_for_xml(lexemes: list[Lexeme], i: int) -> bool:
    return lexemes[i].is_word("FOR") and _word_at(lexemes, i + 1, "XML")


def _is_for_json(lexemes: list[Lexeme], i: int) -> bool:
    return lexemes[i].is_word("FOR") and _word_at(lexemes, i + 1, "JSON")


def _is_clr_type(lexemes: list[Lexeme], i: int) -> bool:
    return lexemes[i].is_word("HIERARCHYID", "GEOGRAPHY", "GEOMETRY")


def _is_pivot(lexemes: list[Lexeme], i: int) -> bool:
    return lexemes[i].is_word("PIVOT")


def _is_unpivot(lexemes: list[Lexeme], i: int) -> bool:
    return lexemes[i].is_word("UNPIVOT")


def _is_rowcount(lexemes: list[Lexeme], i: int) -> bool:
    return lexemes[i].kind == "variable" and lexemes[i].upper == "@@ROWCOUNT"


def _is_scope_identity(lexemes: list[Lexeme], i: int) -> bool:
    lexeme = lexemes[i]
    if lexeme.kind == "variable":
        return lexeme.upper == "@@IDENTITY"
    return lexeme.is_word("SCOPE_IDENTITY", "IDENT_CURRENT") and _punct_at(lexemes, i + 1, "(")


# Words after which a name is a table, view, procedure or function reference.
_OBJECT_INTRODUCERS = (
    "FROM", "JOIN", "INTO", "UPDATE", "MERGE", "USING", "EXEC", "EXECUTE",
    "TABLE", "APPLY", "DELETE", "INSERT", "REFERENCES",
)  # fmt: skip


def _is_cross_database(lexemes: list[Lexeme], i: int) -> bool:
    if lexemes[i].is_word("OPENQUERY", "OPENROWSET", "OPENDATASOURCE"):
        return True
    if not lexemes[i].is_name or _punct_at(lexemes, i - 1, "."):
        return False
    parts, end = _name_parts(lexemes, i)
    if parts >= 3 and _word_at(lexemes, i - 1, *_OBJECT_INTRODUCERS):
        return True
    # server.db.schema.object anywhere, unless it is a method call like t.c.x.value(...)
    return parts >= 4 and not _punct_at(lexemes, end + 1, "(")


def _name_parts(lexemes: list[Lexeme], i: int) -> tuple[int, int]:
    """How many parts the dotted name starting at `i` has (`db..t` has 3), and its last index."""
    parts, end = 1, i
    while _punct_at(lexemes, end + 1, "."):
        following = _at(lexemes, end + 2)
        if _punct_at(lexemes, end + 2, "."):
            parts, end = parts + 1, end + 1  # an empty part: db..table
        elif following is not None and following.is_name:
            parts, end = parts + 1, end + 2
        else:
            break
    return parts, end


def _is_recursive_cte(lexemes: list[Lexeme], i: int) -> bool:
    """At a CTE's name: does its own query read it (FROM name / JOIN name)?"""
    if not _starts_cte(lexemes, i):
        return False
    name = lexemes[i].text.lower()
    after_name = i + 1
    if _punct_at(lexemes, after_name, "("):
        after_name = _matching_paren(lexemes, after_name) + 1
    if not (_word_at(lexemes, after_name, "AS") and _punct_at(lexemes, after_name + 1, "(")):
        return False
    close = _matching_paren(lexemes, after_name + 1)
    return any(
        lexemes[k].is_name and lexemes[k].text.lower() == name and _word_at(lexemes, k - 1, "FROM", "JOIN")
        for k in range(after_name + 2, close)
    )


def _starts_cte(lexemes: list[Lexeme], i: int) -> bool:
    """A name right after WITH, or after the `)` `,` that ends a previous CTE."""
    if lexemes[i].kind not in ("word", "quoted"):
        return False
    if _word_at(lexemes, i - 1, "WITH"):
        return True
    return _punct_at(lexemes, i - 1, ",") and _punct_at(lexemes, i - 2, ")") and _in_with_clause(lexemes, i - 2)


def _in_with_clause(lexemes: list[Lexeme], close: int) -> bool:
    """Is the `)` at `close` the end of a CTE's query: `name [(cols)] AS ( ... )`?"""
    open_ = _matching_open(lexemes, close)
    return open_ > 0 and _word_at(lexemes, open_ - 1, "AS")


def _matching_paren(lexemes: list[Lexeme], open_: int) -> int:
    depth = 0
    for k in range(open_, len(lexemes)):
        if _punct_at(lexemes, k, "("):
            depth += 1
        elif _punct_at(lexemes, k, ")"):
            depth -= 1
            if depth == 0:
                return k
    return len(lexemes)


def _matching_open(lexemes: list[Lexeme], close: int) -> int:
    depth = 0
    for k in range(close, -1, -1):
        if _punct_at(lexemes, k, ")"):
            depth += 1
        elif _punct_at(lexemes, k, "("):
            depth -= 1
            if depth == 0:
                return k
    return -1


_DETECTORS: tuple[tuple[str, Callable[[list[Lexeme], int], bool]], ...] = (
    ("cursor", _is_cursor),
    ("while_loop", _is_while),
    ("dynamic_sql", _is_dynamic_sql),
    ("temp_table", _is_temp_table),
    ("table_variable", _is_table_variable),
    ("merge", _is_merge),
    ("try_catch", _is_try_catch),
    ("transaction", _is_transaction),
    ("output_clause", _is_output_clause),
    ("xml_methods", _is_xml_method),
    ("for_xml", _is_for_xml),
    ("for_json", _is_for_json),
    ("clr_types", _is_clr_type),
    ("pivot", _is_pivot),
    ("unpivot", _is_unpivot),
    ("recursive_cte", _is_recursive_cte),
    ("rowcount", _is_rowcount),
    ("scope_identity", _is_scope_identity),
    ("cross_database", _is_cross_database),
)
