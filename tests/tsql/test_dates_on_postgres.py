"""Date and time T-SQL, translated and run on the real PostgreSQL: the rows must be what
SQL Server returns (DATEFIRST 7, us_english). Every case cites the Microsoft documentation page.
"""

from __future__ import annotations

import datetime as dt

import pytest

from migrator_pipeline.tsql.translate import TranslationError, translate_select

RELATIONS = {"dbo.events": "{{ ref('events') }}"}
COLUMN_TYPES = {
    "dbo.events": {"id": "int", "happened": "datetime", "day": "date", "days": "int", "label": "varchar(20)"}
}
EVENT_ROWS = [
    (1, dt.datetime(2024, 6, 15, 13, 45, 10), dt.date(2024, 1, 31), 0, "25/12/2024"),
    (2, dt.datetime(2023, 12, 31, 23, 59, 59), dt.date(2023, 2, 28), 45290, "01/02/2024"),
]


@pytest.fixture
def events(pg):
    pg.execute("create table events (id integer, happened timestamp, day date, days integer, label varchar(20))")
    pg.executemany("insert into events values (%s, %s, %s, %s, %s)", EVENT_ROWS)
    return pg


SCALAR_CASES = [
    # A number cast to datetime is days since 1900-01-01.
    # https://learn.microsoft.com/sql/t-sql/data-types/datetime-transact-sql
    ("CAST(45000 AS datetime)", dt.datetime(2023, 3, 17)),
    ("CAST(DATEDIFF(DAY, 0, '2024-03-05 10:00') AS datetime)", dt.datetime(2024, 3, 5)),
    ("CAST(1.5 AS datetime)", dt.datetime(1900, 1, 2, 12)),
    # DATENAME returns nvarchar: IN compares it case-insensitively (2024-06-02 is a Sunday).
    # https://learn.microsoft.com/sql/t-sql/functions/datename-transact-sql
    ("CASE WHEN DATENAME(weekday, '2024-06-02') IN ('saturday', 'SUNDAY') THEN 1 ELSE 0 END", 1),
    # DATEDIFF counts the boundaries crossed; backwards spans are negative.
    # https://learn.microsoft.com/sql/t-sql/functions/datediff-transact-sql
    # The page's own example (1 for every part) with six fraction digits: PostgreSQL keeps microseconds.
    ("DATEDIFF(year, '2005-12-31 23:59:59.999999', '2006-01-01 00:00:00')", 1),
    ("DATEDIFF(quarter, '2005-12-31 23:59:59.999999', '2006-01-01 00:00:00')", 1),
    ("DATEDIFF(month, '2005-12-31 23:59:59.999999', '2006-01-01 00:00:00')", 1),
    ("DATEDIFF(week, '2005-12-31 23:59:59.999999', '2006-01-01 00:00:00')", 1),
    ("DATEDIFF(day, '2005-12-31 23:59:59.999999', '2006-01-01 00:00:00')", 1),
    ("DATEDIFF(hour, '2005-12-31 23:59:59.999999', '2006-01-01 00:00:00')", 1),
    ("DATEDIFF(minute, '2005-12-31 23:59:59.999999', '2006-01-01 00:00:00')", 1),
    ("DATEDIFF(year, '2025-01-01', '2024-12-31')", -1),
    ("DATEDIFF(quarter, '2023-11-15', '2024-02-10')", 1),
    ("DATEDIFF(quarter, '2024-04-01', '2024-03-31')", -1),
    ("DATEDIFF(month, '2024-03-01', '2024-01-31')", -2),
    # Sunday June 9 back to Saturday June 1 2024 crosses the Sundays June 9 and June 2.
    ("DATEDIFF(week, '2024-06-09', '2024-06-01')", -2),
    ("DATEDIFF(day, '2024-03-01 00:00', '2024-02-28 23:59')", -2),
    ("DATEDIFF(hour, '2024-01-01 11:00', '2024-01-01 10:59')", -1),
    ("DATEDIFF(minute, '2024-01-01 00:00:00', '2023-12-31 23:59:59')", -1),
    # DATEADD: a month that lacks the day gives its last day; a string start is datetime.
    # https://learn.microsoft.com/sql/t-sql/functions/dateadd-transact-sql
    ("DATEADD(month, -1, '2024-03-31')", dt.datetime(2024, 2, 29)),
    ("DATEADD(year, 1, '2024-02-29')", dt.datetime(2025, 2, 28)),
    ("DATEADD(month, 1, CAST('2023-01-31' AS date))", dt.date(2023, 2, 28)),
    ("DATEADD(day, -1, '2024-03-01')", dt.datetime(2024, 2, 29)),
    ("DATEADD(minute, 90, '2024-01-01 23:00')", dt.datetime(2024, 1, 2, 0, 30)),
    # DATEPART under DATEFIRST 7: Sunday is 1, Monday 2.
    # https://learn.microsoft.com/sql/t-sql/functions/datepart-transact-sql
    ("DATEPART(dw, '2024-06-03')", 2),
    ("DATEPART(weekday, '2024-06-08')", 7),
    ("DATEPART(quarter, '2024-11-01')", 4),
    ("DATEPART(dayofyear, '2024-12-31')", 366),
    # DATENAME: English month and weekday names, unpadded; other parts as numbers in text.
    # https://learn.microsoft.com/sql/t-sql/functions/datename-transact-sql
    ("DATENAME(month, '2024-06-02')", "June"),
    ("DATENAME(mm, '2024-05-02')", "May"),
    ("DATENAME(weekday, '2024-06-02')", "Sunday"),
    ("DATENAME(dw, '2024-09-18')", "Wednesday"),
    ("DATENAME(year, '2024-06-02')", "2024"),
    ("DATENAME(quarter, '2024-06-02')", "2"),
    ("DATENAME(day, '2024-06-02')", "2"),
    ("DATENAME(dayofyear, '2024-02-01')", "32"),
    ("DATENAME(hour, '2024-06-02 13:45:10')", "13"),
    ("DATENAME(minute, '2024-06-02 13:45:10')", "45"),
    # EOMONTH: the month's last day as a date, after adding the optional months.
    # https://learn.microsoft.com/sql/t-sql/functions/eomonth-transact-sql
    ("EOMONTH('2024-02-10')", dt.date(2024, 2, 29)),
    ("EOMONTH('2024-01-31', 1)", dt.date(2024, 2, 29)),
    ("EOMONTH('2024-03-15', -1)", dt.date(2024, 2, 29)),
    ("EOMONTH('2023-12-01', 2)", dt.date(2024, 2, 29)),
    # CONVERT reads text in a style: 103 dd/mm/yyyy, 101 mm/dd/yyyy, 112 yyyymmdd, 120/121 ODBC.
    # https://learn.microsoft.com/sql/t-sql/functions/cast-and-convert-transact-sql
    ("CONVERT(date, '25/12/2024', 103)", dt.date(2024, 12, 25)),
    ("CONVERT(date, '12/25/2024', 101)", dt.date(2024, 12, 25)),
    ("CONVERT(date, '20241225', 112)", dt.date(2024, 12, 25)),
    ("CONVERT(datetime, '25/12/2024 10:30', 103)", dt.datetime(2024, 12, 25, 10, 30)),
    ("CONVERT(datetime, '2024-12-25 10:11:12', 120)", dt.datetime(2024, 12, 25, 10, 11, 12)),
    ("CONVERT(datetime, '2024-12-25 10:11:12.123', 121)", dt.datetime(2024, 12, 25, 10, 11, 12, 123000)),
    # ... and writes a date in one: 103 keeps the leading zeros.
    ("CONVERT(varchar(10), CAST('2024-01-05' AS date), 103)", "05/01/2024"),
    ("CONVERT(varchar(8), CAST('2024-01-05' AS date), 112)", "20240105"),
    ("CONVERT(date, CONVERT(varchar(10), CAST('2024-12-25' AS date), 103), 103)", dt.date(2024, 12, 25)),
    # A style means nothing between two date types: it is a plain conversion.
    ("CONVERT(date, CAST('2024-12-25 10:00' AS datetime), 103)", dt.date(2024, 12, 25)),
    # datetime + n adds n days, - n subtracts them; a fraction is part of a day.
    # https://learn.microsoft.com/sql/t-sql/language-elements/add-transact-sql
    # https://learn.microsoft.com/sql/t-sql/language-elements/subtract-transact-sql
    ("CAST('2024-02-28 10:00' AS datetime) + 1", dt.datetime(2024, 2, 29, 10, 0)),
    ("CAST('2024-03-01' AS datetime) - 1", dt.datetime(2024, 2, 29)),
    ("CAST('2024-01-01' AS datetime) + 1.5", dt.datetime(2024, 1, 2, 12, 0)),
    ("DATEDIFF(hour, GETDATE(), GETDATE() + 1)", 24),
    ("CAST('2024-01-01' AS datetime) + 1 + 2", dt.datetime(2024, 1, 4)),
    ("2 + CAST('2024-01-01' AS datetime)", dt.datetime(2024, 1, 3)),
    ("DATEADD(day, 1, CAST('2024-01-01' AS datetime)) - 2", dt.datetime(2023, 12, 31)),
    # A number used as a datetime counts days from 1900-01-01: 0 is 1900-01-01, so the
    # DATEADD/DATEDIFF idioms give the first of the month, year, or the date without time.
    # https://learn.microsoft.com/sql/t-sql/data-types/datetime-transact-sql
    # https://learn.microsoft.com/sql/t-sql/functions/year-transact-sql (YEAR(0) is 1900)
    ("DATEADD(MONTH, DATEDIFF(MONTH, 0, CAST('2024-06-15 13:00' AS datetime)), 0)", dt.datetime(2024, 6, 1)),
    ("DATEADD(day, DATEDIFF(day, 0, CAST('2024-06-15 13:00' AS datetime)), 0)", dt.datetime(2024, 6, 15)),
    ("DATEADD(yy, DATEDIFF(yy, 0, '2024-06-15'), 0)", dt.datetime(2024, 1, 1)),
    ("DATEADD(day, 1, 0)", dt.datetime(1900, 1, 2)),
    ("YEAR(0)", 1900),
    ("MONTH(0)", 1),
    ("DAY(0)", 1),
    # YEAR, MONTH and DAY are DATEPART's integers.
    ("YEAR('2024-12-31 23:59')", 2024),
]


@pytest.mark.parametrize(("tsql_expression", "expected"), SCALAR_CASES)
def test_date_expression_returns_what_sql_server_returns(pg, tsql_expression, expected, run_tsql):
    assert run_tsql(f"SELECT {tsql_expression}") == [(expected,)]


# Every datepart DATENAME documents, by each of its abbreviations, on Saturday 2024-02-03 (day 34
# of the year; week 5 counting from the week of January 1st, Sunday first; ISO week 5).
# https://learn.microsoft.com/sql/t-sql/functions/datename-transact-sql
DATENAME_PARTS = [
    (("year", "yy", "yyyy"), "2024"), (("quarter", "qq", "q"), "1"), (("month", "mm", "m"), "February"),
    (("dayofyear", "dy", "y"), "34"), (("day", "dd", "d"), "3"), (("week", "wk", "ww"), "5"),
    (("weekday", "dw", "w"), "Saturday"), (("hour", "hh"), "10"), (("minute", "mi", "n"), "20"),
    (("second", "ss", "s"), "30"), (("millisecond", "ms"), "123"), (("iso_week", "isowk", "isoww"), "5"),
]  # fmt: skip


@pytest.mark.parametrize(("part", "expected"), [(p, e) for parts, e in DATENAME_PARTS for p in parts])
def test_datename_reads_every_abbreviation_as_sql_server_does(pg, part, expected, run_tsql):
    assert run_tsql(f"SELECT DATENAME({part}, '2024-02-03 10:20:30.123'), DATENAME({part.upper()}, "
                    "CAST('2024-02-03 10:20:30.123' AS datetime2))") == [(expected, expected)]


TABLE_CASES = [
    # The bundled example's dbo.vw_MonthlySales idiom, over a datetime and a date column.
    # https://learn.microsoft.com/sql/t-sql/functions/dateadd-transact-sql
    ("SELECT DATEADD(MONTH, DATEDIFF(MONTH, 0, happened), 0) FROM dbo.events ORDER BY id",
     [(dt.datetime(2024, 6, 1),), (dt.datetime(2023, 12, 1),)]),
    ("SELECT DATEADD(MONTH, DATEDIFF(MONTH, 0, e.day), 0) FROM dbo.events e ORDER BY e.id",
     [(dt.datetime(2024, 1, 1),), (dt.datetime(2023, 2, 1),)]),
    # An int column used as a datetime: 45290 days after 1900-01-01 is 2024-01-01.
    # https://learn.microsoft.com/sql/t-sql/data-types/datetime-transact-sql
    ("SELECT DATEADD(day, 1, days) FROM dbo.events ORDER BY id",
     [(dt.datetime(1900, 1, 2),), (dt.datetime(2024, 1, 2),)]),
    # A datetime column plus days.
    # https://learn.microsoft.com/sql/t-sql/language-elements/add-transact-sql
    ("SELECT happened + 1 FROM dbo.events WHERE id = 2", [(dt.datetime(2024, 1, 1, 23, 59, 59),)]),
    ("SELECT happened - days FROM dbo.events WHERE id = 1", [(dt.datetime(2024, 6, 15, 13, 45, 10),)]),
    # Text column read with style 103.
    # https://learn.microsoft.com/sql/t-sql/functions/cast-and-convert-transact-sql
    ("SELECT CONVERT(date, label, 103) FROM dbo.events ORDER BY id",
     [(dt.date(2024, 12, 25),), (dt.date(2024, 2, 1),)]),
    # EOMONTH of a date column, with an int column of months.
    # https://learn.microsoft.com/sql/t-sql/functions/eomonth-transact-sql
    ("SELECT EOMONTH(day, 1) FROM dbo.events ORDER BY id", [(dt.date(2024, 2, 29),), (dt.date(2023, 3, 31),)]),
    # DATENAME / DATEPART / YEAR of a column.
    # https://learn.microsoft.com/sql/t-sql/functions/datename-transact-sql
    ("SELECT DATENAME(month, happened), DATENAME(weekday, happened), DATEPART(weekday, happened),"
     " YEAR(happened), MONTH(happened), DAY(happened) FROM dbo.events ORDER BY id",
     [("June", "Saturday", 7, 2024, 6, 15), ("December", "Sunday", 1, 2023, 12, 31)]),
    # DATEDIFF between two columns, both directions.
    # https://learn.microsoft.com/sql/t-sql/functions/datediff-transact-sql
    ("SELECT DATEDIFF(month, happened, day), DATEDIFF(day, day, happened) FROM dbo.events ORDER BY id",
     [(-5, 136), (-10, 306)]),
]


@pytest.mark.parametrize(("tsql", "expected"), TABLE_CASES)
def test_date_query_over_a_table_returns_what_sql_server_returns(events, tsql, expected, run_tsql):
    assert run_tsql(tsql) == expected


def test_getdate_and_sysdatetime_are_local_time_without_time_zone(pg, run_tsql):
    # GETDATE (datetime) and SYSDATETIME (datetime2) are the server's local time, no offset.
    # https://learn.microsoft.com/sql/t-sql/functions/getdate-transact-sql
    # https://learn.microsoft.com/sql/t-sql/functions/sysdatetime-transact-sql
    ((getdate, sysdatetime, now),) = run_tsql("SELECT GETDATE(), SYSDATETIME(), CURRENT_TIMESTAMP")
    assert getdate.tzinfo is None and sysdatetime.tzinfo is None and now.tzinfo is None
    pg.execute("select localtimestamp")
    assert abs(pg.fetchone()[0] - getdate) < dt.timedelta(minutes=1)


def test_unsupported_style_for_reading_a_date_is_a_translation_error():
    with pytest.raises(TranslationError, match="CONVERT style 104 is not supported for reading dates"):
        translate_select("SELECT CONVERT(date, '25.12.2024', 104)", relations={})
