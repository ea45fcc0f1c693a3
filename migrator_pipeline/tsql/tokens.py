"""Reading names, data types, lists and literals off the lexer's tokens (`tsql.lexer`): the small steps
every token-level reader (module headers, CREATE TABLE, VALUES rows, EXEC arguments) shares."""

from __future__ import annotations

from migrator_pipeline.tsql.lexer import Token


def multipart_name(tokens: list[Token], i: int) -> tuple[list[str], int]:
    """`[db].[schema].name` starting at token i: the parts and the index past them."""
    parts: list[str] = []
    while i < len(tokens) and tokens[i].is_identifier:
        parts.append(tokens[i].name)
        if i + 1 < len(tokens) and tokens[i + 1].text == ".":
            i += 2
            continue
        return parts, i + 1
    return parts, i


def schema_and_name(parts: list[str]) -> tuple[str, str]:
    """The last two parts of a multipart name; the default schema is dbo."""
    if len(parts) >= 2:
        return parts[-2] or "dbo", parts[-1]
    return "dbo", parts[-1]


def matching_paren(tokens: list[Token], i: int) -> int:
    """Index of the `)` closing the `(` at i, or -1 when the text ends first."""
    depth = 0
    for k in range(i, len(tokens)):
        if tokens[k].text == "(":
            depth += 1
        elif tokens[k].text == ")":
            depth -= 1
            if depth == 0:
                return k
    return -1


def data_type_at(tokens: list[Token], i: int) -> tuple[str, int]:
    """A data type as written, lower case and without spaces: `decimal(10,2)`, `varchar(max)`."""
    parts, i = multipart_name(tokens, i)
    text = ".".join(parts).lower()
    if i < len(tokens) and tokens[i].text == "(":
        close = matching_paren(tokens, i)
        if close < 0:
            return text, len(tokens)
        text += "(" + "".join(t.text.lower() for t in tokens[i + 1 : close]) + ")"
        i = close + 1
    return text, i


def split_commas(tokens: list[Token]) -> list[list[Token]]:
    """Split tokens on commas at parenthesis depth 0."""
    pieces: list[list[Token]] = [[]]
    depth = 0
    for token in tokens:
        if token.text == "," and depth == 0:
            pieces.append([])
            continue
        depth += (token.text == "(") - (token.text == ")")
        pieces[-1].append(token)
    return [piece for piece in pieces if piece]


def strip_parens(tokens: list[Token]) -> list[Token]:
    """The tokens without the parentheses wrapped around all of them: `((1))` -> `1`."""
    while len(tokens) > 2 and tokens[0].text == "(" and matching_paren(tokens, 0) == len(tokens) - 1:
        tokens = tokens[1:-1]
    return tokens


def token_text(text: str, tokens: list[Token]) -> str:
    """The text the tokens cover, as written."""
    return text[tokens[0].start : tokens[-1].end] if tokens else ""


def name_list(tokens: list[Token], i: int) -> tuple[list[str], int]:
    """`(a [ASC], b)` at or after token i: the names, and the index past the `)`."""
    while i < len(tokens) and tokens[i].text != "(":
        i += 1
    close = matching_paren(tokens, i) if i < len(tokens) else -1
    if close < 0:
        return [], len(tokens)
    return [piece[0].name for piece in split_commas(tokens[i + 1 : close])], close + 1


def literal_text(tokens: list[Token]) -> tuple[bool, str | None]:
    """A VALUES item as COPY text: (True, value) or (False, None) when it is not a literal."""
    if len(tokens) == 2 and tokens[0].text in "+-" and tokens[1].kind == "number":
        return True, tokens[1].text if tokens[0].text == "+" else "-" + tokens[1].text
    if len(tokens) != 1:
        return False, None
    token = tokens[0]
    if token.kind == "string":
        quoted = token.text[1:] if token.text[0] in "Nn" else token.text
        return True, quoted[1:-1].replace("''", "'")
    if token.kind == "number":
        return True, token.text
    if token.kind == "hex":
        return True, "\\x" + token.text[2:]
    if token.upper == "NULL":
        return True, None
    return False, None


def string_text(tokens: list[Token]) -> str | None:
    """The text of a string literal (or of `'a' + N'b'`), or None when it is anything else."""
    if not tokens or len(tokens) % 2 == 0:
        return None
    pieces = []
    for k, token in enumerate(tokens):
        if k % 2 == 1:
            if token.text != "+":
                return None
            continue
        is_literal, value = literal_text([token])
        if not is_literal or token.kind != "string" or value is None:
            return None
        pieces.append(value)
    return "".join(pieces)
