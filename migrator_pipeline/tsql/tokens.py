"""Reading names, data types and lists off the lexer's tokens (`tsql.lexer`): the small steps
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
