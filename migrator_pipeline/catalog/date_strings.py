"""Date and time strings as SQL Server reads them under `SET DATEFORMAT`: ISO and compact
forms, numeric dates in the session's order, named months, and 12/24-hour times.
"""

from __future__ import annotations

import re
from datetime import date, datetime

_COMPACT_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})(?:[ T](.+))?$")
_ISO_DATETIME = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})T(.+)$")
# the form exports and generated scripts mostly use, already ISO once the `T` is a space
_CANONICAL_DATETIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,7})?")
_NUMERIC_DATE = re.compile(r"^(\d{1,4})([-/.])(\d{1,2})\2(\d{1,4})(?:\s+(.+))?$")
_NAMED_MONTH = re.compile(r"^(?:(\d{1,2})\s+([A-Za-z]{3,9})|([A-Za-z]{3,9})\s+(\d{1,2}),?)\s+(\d{4})(?:\s+(.+))?$")
_TIME = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2})(?:([.:])(\d{1,7}))?)?\s*([AaPp][Mm])?$")
_MONTHS = {name: n for n, name in enumerate("jan feb mar apr may jun jul aug sep oct nov dec".split(), 1)}


def normalise_date_literal(value: str, data_type: str, dateformat: str = "mdy") -> str | None:
    """A T-SQL date(time) string literal as ISO `YYYY-MM-DD[ HH:MM:SS[.fff]]`, or None when unreadable.

    'YYYYMMDD' and 'YYYY-MM-DDThh:mm:ss' read the same under every DATEFORMAT. Other numeric
    forms follow DATEFORMAT; a year-first 'YYYY-MM-DD' is read year-day-month for datetime and
    smalldatetime under DATEFORMAT dmy/dym/ydm, as SQL Server does (date and datetime2 never).
    """
    text = value.strip()
    if _CANONICAL_DATETIME.fullmatch(text) and _is_datetime(text):
        # a shortcut (data files hold many of these): what the general path below makes of it
        return text[:10] if data_type == "date" else f"{text[:10]} {text[11:]}"
    parts = date_parts(text, data_type, dateformat)
    if parts is None:
        return None
    (year, month, day), time_text = parts
    try:
        day_text = date(year, month, day).isoformat()
    except ValueError:
        return None
    if not time_text or data_type == "date":
        return day_text
    clock = time_parts(time_text.strip())
    if clock is None:
        return None
    hour, minute, second, fraction = clock
    match = _TIME.match(time_text.strip())
    digits = 3 if match.group(4) == ":" else len(match.group(5) or "")
    fraction_text = f".{fraction // 10 ** (7 - digits):0{digits}d}" if digits else ""
    return f"{day_text} {hour:02d}:{minute:02d}:{second:02d}{fraction_text}"


def _is_datetime(text: str) -> bool:
    try:
        datetime.fromisoformat(text)
    except ValueError:
        return False
    return True


def date_parts(text: str, data_type: str, dateformat: str) -> tuple[tuple[int, int, int], str | None] | None:
    for pattern in (_COMPACT_DATE, _ISO_DATETIME):
        if match := pattern.match(text):
            return (int(match.group(1)), int(match.group(2)), int(match.group(3))), match.group(4)
    if match := _NAMED_MONTH.match(text):
        day, month = (match.group(1), match.group(2)) if match.group(1) else (match.group(4), match.group(3))
        number = _MONTHS.get(month[:3].lower())
        return ((int(match.group(5)), number, int(day)), match.group(6)) if number else None
    match = _NUMERIC_DATE.match(text)
    if match is None:
        return None
    first, second, third = match.group(1), match.group(3), match.group(4)
    if len(first) == 4:
        order = "ydm" if data_type in ("datetime", "smalldatetime") and dateformat in ("dmy", "dym", "ydm") else "ymd"
    else:
        order = dateformat
    written = dict(zip(order, (first, second, third)))
    year = int(written["y"])
    if len(written["y"]) <= 2:  # two-digit year cutoff 2049
        year += 2000 if year < 50 else 1900
    return (year, int(written["m"]), int(written["d"])), match.group(5)


def time_parts(text: str) -> tuple[int, int, int, int] | None:
    """(hour, minute, second, fraction in 100 ns) of a time of day, or None when unreadable.
    After a colon the fraction is thousandths ('10:00:00:5' is 5 ms), after a point a decimal."""
    match = _TIME.match(text)
    if match is None:
        return None
    hour, minute, second = int(match.group(1)), int(match.group(2)), int(match.group(3) or 0)
    if match.group(6):
        if hour > 12:
            return None
        hour = hour % 12 + (12 if match.group(6).lower() == "pm" else 0)
    if hour > 23 or minute > 59 or second > 59:
        return None
    written = match.group(5) or ""
    if match.group(4) == ":":
        written = written.rjust(3, "0")[:3] if len(written) <= 3 else None
        if written is None:
            return None
    fraction = int(written.ljust(7, "0")) if written else 0
    return hour, minute, second, fraction
