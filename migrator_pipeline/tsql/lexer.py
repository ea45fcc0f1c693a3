"""T-SQL script text: tokens, `GO` batches, and statements.

One small lexer serves the catalog readers, the module header reader and the planner. It knows what
sqlglot's parser does not need to: where strings, bracketed names and nested block
comments end, so that `GO` and statement boundaries are never found inside them.
Statements in T-SQL need no `;`, so they are split where a statement keyword starts
at nesting depth 0, with the few exceptions T-SQL grammar forces (INSERT ... SELECT,
MERGE ... THEN UPDATE SET, table hints `WITH (NOLOCK)`, `ON DELETE SET NULL`, ...).
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Batch:
    """The text between two `GO` lines, and the 1-based line in the file where it starts."""

    text: str
    line: int


@dataclass(frozen=True, slots=True)
class Token:
    kind: str  # "word" | "quoted" | "string" | "number" | "hex" | "punct" | "error"
    text: str
    start: int
    end: int

    @property
    def upper(self) -> str:
        return self.text.upper() if self.kind == "word" else self.text

    @property
    def name(self) -> str:
        """The identifier without `[..]` or `".."` quoting."""
        if self.kind == "quoted" and self.text[0] == "[":
            return self.text[1:-1].replace("]]", "]")
        if self.kind == "quoted":
            return self.text[1:-1].replace('""', '"')
        return self.text

    @property
    def is_identifier(self) -> bool:
        return self.kind in ("word", "quoted")


# Pieces of the token grammar, shared by the lexer and by the VALUES rows pattern below.
# Strings and quoted names are written "unrolled" (`'[^']*(?:''[^']*)*'`): the same language
# and the same backtracking as `'(?:[^']|'')*'`, but far fewer steps per character.
_SKIP = r"\s*+(?:--[^\n]*+\s*+)*+"  # whitespace and line comments between tokens
_STRING = r"[Nn]?'[^']*(?:''[^']*)*'"
_QUOTED = r'\[[^\]]*(?:\]\][^\]]*)*\]|"[^"]*(?:""[^"]*)*"'
_HEX = r"0[xX][0-9a-fA-F]*"
_NUMBER = r"(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?"
_WORD = r"[@#]*[^\W\d][\w@#$]*|@@?\w+"

# One match per token: the skipped whitespace and line comments come first, so that
# `finditer` yields only tokens (the Python loop per token is what costs, not the regex).
# The alternatives are tried in this order; `eof` lets the match succeed after trailing
# whitespace, so that `finditer` never searches forward into a comment.
_TOKEN = re.compile(
    rf"""{_SKIP}(?:
     (?P<block_comment>/\*)
    |(?P<string>{_STRING})
    |(?P<quoted>{_QUOTED})
    |(?P<hex>{_HEX})
    |(?P<number>{_NUMBER})
    |(?P<word>{_WORD})
    |(?P<punct>.)
    |(?P<eof>\Z)
    )""",
    re.X | re.S,
)
_COMMENT_MARK = re.compile(r"/\*|\*/")
_UNTERMINATED = {"'": "unterminated string", "[": "unterminated [identifier]", '"': 'unterminated "identifier"'}

# `VALUES (literal, ...), (...)`: a run of rows of plain literals, as the lexer would read
# them (each literal atomic, in the lexer's order of alternatives). Data scripts are mostly
# such rows; the script reader takes a whole run as one "rows" token instead of ~10 tokens
# per row, which is where reading INSERT data spent its time.
_LITERAL = rf"(?>{_STRING})|(?>{_HEX})|(?>{_NUMBER})|(?i:NULL)(?![\w@#$])|[+-]{_SKIP}(?>{_NUMBER})"
_ROW = rf"\({_SKIP}(?:{_LITERAL})(?:{_SKIP},{_SKIP}(?:{_LITERAL}))*+{_SKIP}\)"
_ROWS = re.compile(rf"{_SKIP}(?P<rows>{_ROW}(?:{_SKIP},{_SKIP}{_ROW})*+)", re.S)


def _block_comment_end(text: str, start: int, end: int) -> int:
    """Offset just after the `*/` closing the (nested) comment opened at `start`, or -1."""
    depth = 0
    for mark in _COMMENT_MARK.finditer(text, start, end):
        depth += 1 if mark.group() == "/*" else -1
        if depth == 0:
            return mark.end()
    return -1


def tokenize(text: str) -> list[Token]:
    """Tokens of T-SQL text without whitespace and comments.

    An unterminated string, identifier or comment ends the list with one "error" token
    whose text is the message: callers turn it into a Finding with a line number.
    """
    return lex(text, 0, len(text))


def lex(text: str, start: int, end: int, *, compact_rows: bool = False) -> list[Token]:
    """Tokens of `text[start:end]`, with offsets into the whole text.

    With `compact_rows`, each run of literal rows after a `VALUES` word is one token of kind
    "rows" (its text is the run: `(1, 'a'), (2, NULL)`); `expand_rows` gives its tokens back.
    """
    tokens: list[Token] = []
    position: int | None = start
    while position is not None:
        position = _lex_until_jump(text, position, end, compact_rows, tokens)
    return tokens


def _lex_until_jump(text: str, position: int, end: int, compact_rows: bool, tokens: list[Token]) -> int | None:
    """Append tokens from `position`; the offset to go on from, or None at the end.

    `finditer` runs on until something makes the lexer jump: a (nested) block comment,
    or a run of VALUES rows taken as one token.
    """
    append = tokens.append
    for match in _TOKEN.finditer(text, position, end):
        kind = match.lastgroup
        if kind == "eof":
            return None
        start, stop = match.span(kind)
        if kind == "block_comment":
            stop = _block_comment_end(text, start, end)
            if stop < 0:
                append(Token("error", "unterminated /* comment", start, end))
                return None
            return stop
        value = text[start:stop]
        if kind == "punct" and value in _UNTERMINATED:
            append(Token("error", _UNTERMINATED[value], start, end))
            return None
        append(Token(kind, value, start, stop))
        if compact_rows and kind == "word" and len(value) == 6 and value.upper() == "VALUES":
            rows = _ROWS.match(text, stop, end)
            if rows is not None:
                append(Token("rows", rows.group("rows"), rows.start("rows"), rows.end("rows")))
                return rows.end()
    return None


def expand_rows(text: str, tokens: list[Token]) -> list[Token]:
    """The tokens with each "rows" token replaced by the tokens it stands for."""
    if not any(token.kind == "rows" for token in tokens):
        return tokens
    expanded: list[Token] = []
    for token in tokens:
        if token.kind == "rows":
            expanded.extend(lex(text, token.start, token.end))
        else:
            expanded.append(token)
    return expanded


class LineIndex:
    """1-based line numbers of offsets in a text, in O(log n) each."""

    def __init__(self, text: str, first_line: int = 1) -> None:
        self._newlines = [m.start() for m in re.finditer("\n", text)]
        self._first = first_line

    def line(self, offset: int) -> int:
        return self._first + bisect.bisect_left(self._newlines, offset)


_GO_LINE = re.compile(r"^[ \t]*(go)(?:[ \t]+\d+)?[ \t]*(?:--[^\n]*)?$", re.I | re.M)


@dataclass(frozen=True)
class ScriptBatch:
    """A batch as offsets into its script, with its tokens (offsets into the script too)."""

    start: int
    end: int
    line: int
    tokens: list[Token]


def split_batches(text: str) -> list[Batch]:
    """Split a script on `GO` lines (any case, optional count and trailing comment).

    A `GO` inside a string or comment is not a separator: only lines whose `GO` is a
    real token count. Leading blank lines of a batch are dropped (its line moves on),
    trailing whitespace is stripped, and empty batches are left out.
    """
    text = text.replace("\r\n", "\n")
    return [Batch(text[batch.start : batch.end], batch.line) for batch in script_batches(text)]


def script_batches(text: str, *, compact_rows: bool = False) -> list[ScriptBatch]:
    """The `GO` batches of a script (LF line ends) as `split_batches` finds them, tokenized.

    The script is tokenized once and each batch gets its slice of the tokens: tokens never
    cross a `GO` line, since a `GO` inside a string or comment does not split.
    """
    tokens = lex(text, 0, len(text), compact_rows=compact_rows)
    starts = [token.start for token in tokens]
    go_starts = {t.start for t in tokens if t.kind == "word" and len(t.text) == 2 and t.text.upper() == "GO"}
    lines = LineIndex(text)
    batches: list[ScriptBatch] = []
    begin = 0
    for match in _GO_LINE.finditer(text):
        if match.start(1) not in go_starts:
            continue
        _add_batch(batches, text, begin, match.start(), lines, tokens, starts)
        begin = match.end() + 1
    _add_batch(batches, text, begin, len(text), lines, tokens, starts)
    return batches


def _add_batch(
    batches: list[ScriptBatch], text: str, begin: int, end: int, lines: LineIndex, tokens: list[Token], starts: list[int]
) -> None:
    chunk = text[begin:end]
    stripped = chunk.lstrip("\n \t")
    # keep the indentation of the first line: move back to the start of its line
    first = len(chunk) - len(stripped)
    line_start = chunk.rfind("\n", 0, first) + 1
    body = chunk[line_start:].rstrip()
    if not body:
        return
    start = begin + line_start
    stop = start + len(body)
    batch_tokens = tokens[bisect.bisect_left(starts, start) : bisect.bisect_left(starts, stop)]
    batches.append(ScriptBatch(start, stop, lines.line(start), batch_tokens))


# ---------------------------------------------------------------- statements

STATEMENT_KEYWORDS = frozenset(
    """SELECT INSERT UPDATE DELETE MERGE TRUNCATE DECLARE SET EXEC EXECUTE IF ELSE WHILE
    BEGIN END RETURN PRINT RAISERROR THROW OPEN FETCH CLOSE DEALLOCATE COMMIT ROLLBACK
    WITH CREATE DROP ALTER BREAK CONTINUE GOTO WAITFOR SAVE USE GRANT DENY REVOKE BULK""".split()
)
MODULE_KINDS = frozenset({"VIEW", "PROC", "PROCEDURE", "FUNCTION", "TRIGGER"})
_OBJECT_WORDS = frozenset({"TABLE", "VIEW", "PROC", "PROCEDURE", "FUNCTION", "TRIGGER", "INDEX", "SCHEMA"})
_SET_OPERATORS = frozenset({"UNION", "ALL", "EXCEPT", "INTERSECT", "THEN", "("})
_DML = frozenset({"SELECT", "INSERT", "UPDATE", "DELETE", "MERGE"})


@dataclass
class Statement:
    """One statement's tokens. `IF`, `ELSE` and `WHILE` come as their own statements
    (the condition's tokens), followed by the statements of their body: blocks are flattened."""

    verb: str
    tokens: list[Token]
    in_catch: bool = False

    @property
    def start(self) -> int:
        return self.tokens[0].start

    @property
    def end(self) -> int:
        return self.tokens[-1].end


@dataclass
class StatementSplit:
    statements: list[Statement] = field(default_factory=list)
    errors: list[tuple[str, int]] = field(default_factory=list)  # (message, offset)


def split_statements(tokens: list[Token]) -> StatementSplit:
    """Statements of a batch or a procedure body, descending into BEGIN/END and TRY/CATCH."""
    split = StatementSplit()
    blocks: list[tuple[str, int]] = []  # ("BEGIN" | "TRY" | "CATCH", offset)
    i, count = 0, len(tokens)
    while i < count:
        token = tokens[i]
        word = token.upper if token.kind == "word" else ""
        following = tokens[i + 1].upper if i + 1 < count else ""
        if token.kind == "error":
            split.errors.append((token.text, token.start))
            break
        if token.text == ";":
            i += 1
        elif word == "BEGIN" and following not in ("TRAN", "TRANSACTION", "DISTRIBUTED"):
            kind = following if following in ("TRY", "CATCH") else "BEGIN"
            blocks.append((kind, token.start))
            i += 2 if kind != "BEGIN" else 1
        elif word == "END":
            if not blocks:
                split.errors.append(("END without a matching BEGIN", token.start))
                i += 1
                continue
            kind, _ = blocks.pop()
            i += 2 if kind != "BEGIN" and following == kind else 1
        elif word in ("IF", "WHILE"):
            end = _condition_end(tokens, i + 1)
            split.statements.append(Statement(word, tokens[i:end], _in_catch(blocks)))
            i = end
        elif word == "ELSE":
            split.statements.append(Statement("ELSE", [token], _in_catch(blocks)))
            i += 1
        else:
            end = _statement_end(tokens, i)
            split.statements.append(Statement(word or token.text, tokens[i:end], _in_catch(blocks)))
            i = end
    for kind, offset in blocks:
        split.errors.append((f"BEGIN{'' if kind == 'BEGIN' else ' ' + kind} without a matching END", offset))
    return split


def _in_catch(blocks: list[tuple[str, int]]) -> bool:
    return any(kind == "CATCH" for kind, _ in blocks)


def _nesting(token: Token, stack: list[str]) -> bool:
    """Track parentheses and CASE..END; True when the token changed or is inside the nesting."""
    text = token.upper
    if text == "(" or text == "CASE":
        stack.append(text)
        return True
    if text == ")" and stack:
        stack.pop()
        return True
    if text == "END" and stack and stack[-1] == "CASE":
        stack.pop()
        return True
    return bool(stack)


def _condition_end(tokens: list[Token], i: int) -> int:
    stack: list[str] = []
    while i < len(tokens):
        token = tokens[i]
        if token.kind == "error":
            return i
        if token.upper == "UPDATE" and i + 1 < len(tokens) and tokens[i + 1].text == "(":
            i += 1  # IF UPDATE(column) in a trigger: a function, not a statement
            continue
        if not _nesting(token, stack) and token.kind == "word" and token.upper in STATEMENT_KEYWORDS:
            return i
        i += 1
    return i


def _is_module_create(tokens: list[Token], i: int) -> bool:
    words = [t.upper for t in tokens[i : i + 4]]
    if words[:1] not in (["CREATE"], ["ALTER"]):
        return False
    kind = words[3] if words[1:3] == ["OR", "ALTER"] else words[1] if len(words) > 1 else ""
    return kind in MODULE_KINDS


def _statement_end(tokens: list[Token], i: int) -> int:
    """Index just past the statement starting at `i`."""
    if _is_module_create(tokens, i):
        # CREATE VIEW/PROC/FUNCTION/TRIGGER is alone in its batch: the rest is its body
        return next((k for k in range(i, len(tokens)) if tokens[k].kind == "error"), len(tokens))
    verb = tokens[i].upper
    state = {"main": verb != "WITH" and verb != "INSERT", "set": verb != "UPDATE"}
    stack: list[str] = []
    j = i + 1
    while j < len(tokens):
        token = tokens[j]
        if token.kind == "error":
            return j
        if _nesting(token, stack):
            j += 1
            continue
        if token.text == ";":
            return j
        word = token.upper if token.kind == "word" else ""
        if word in STATEMENT_KEYWORDS and not _continues(tokens, j, verb, state):
            return j
        if not state["main"] and word in _DML | {"VALUES", "EXEC", "EXECUTE", "DEFAULT"}:
            state["main"] = True
            if verb == "WITH" and word == "INSERT":
                state["main"] = False
                verb = "INSERT"
            if verb == "WITH" and word == "UPDATE":
                state["set"] = False
        j += 1
    return j


def _continues(tokens: list[Token], j: int, verb: str, state: dict) -> bool:
    """Whether a statement keyword at depth 0 belongs to the current statement."""
    word = tokens[j].upper
    previous = tokens[j - 1].upper
    if word == "END":
        return False
    if word == "INSERT" and previous == "BULK":
        return True
    if previous in _SET_OPERATORS and word in _DML:
        return True
    if not state["main"] and (word in _DML or word in ("EXEC", "EXECUTE")):
        return True
    if word == "SELECT" and previous == "FOR":  # DECLARE c CURSOR FOR SELECT
        return True
    if word in ("UPDATE", "DELETE") and previous in ("ON", "FOR") and verb in ("CREATE", "ALTER", "DECLARE"):
        return True  # ON DELETE CASCADE, FOR UPDATE
    if word == "SET":
        if not state["set"]:
            state["set"] = True
            return True
        return previous in ("UPDATE", "DELETE") and verb != "SET"  # THEN UPDATE SET, ON DELETE SET NULL
    if word == "WITH":
        # a CTE is `WITH name AS (` or `WITH name (cols) AS` (`WITH XMLNAMESPACES (`); anything else
        # is a hint or an option: `WITH (NOLOCK)`, `GROUP BY a WITH ROLLUP`, `TOP 5 WITH TIES`,
        # `RAISERROR (...) WITH NOWAIT`, `WITH CHECK OPTION`
        after = tokens[j + 2].upper if j + 2 < len(tokens) else ""
        starts_cte = j + 1 < len(tokens) and tokens[j + 1].is_identifier and after in ("AS", "(")
        return not starts_cte
    if word == "IF":
        return previous in _OBJECT_WORDS  # DROP TABLE IF EXISTS
    if word in ("DROP", "ALTER"):
        return verb == "ALTER"  # ALTER TABLE t DROP COLUMN / ALTER COLUMN
    if verb in ("GRANT", "DENY", "REVOKE"):
        return previous in ("GRANT", "DENY", "REVOKE", ",")
    if word == "FETCH":
        return previous in ("ROW", "ROWS")  # OFFSET .. FETCH NEXT n ROWS
    return False
