"""T-SQL -> PostgreSQL text: each rewrite, relation and macro substitution, folding, errors."""

from textwrap import dedent

import pytest

from migrator_pipeline.tsql.translate import (
    TranslationError,
    translate_expression,
    translate_select,
)

RELATIONS = {
    "dbo.customers": "{{ ref('customers') }}",
    "dbo.customer orders": "{{ ref('customer_orders') }}",
    "sales.orders": "{{ source('sales', 'orders') }}",
}
COLUMN_TYPES = {
    "dbo.customers": {
        "id": "int",
        "name": "nvarchar(50)",
        "city": "varchar(30)",
        "active": "bit",
        "score": "int",
        "big": "bigint",
        "joined": "date",
        "seen": "datetime2(3)",
    }
}
MACROS = {"dbo.fn_tax": "fn_tax", "dbo.fn_name": "fn_name"}

CASES = [
    # identifiers folded; reserved words quoted; table aliases kept
    (
        "SELECT [Order ID], c.[FirstName] AS [First Name], [order] FROM dbo.[Customer Orders] c",
        """
        select
          order_id,
          c.firstname as first_name,
          "order"
        from {{ ref('customer_orders') }} as c
        """,
    ),
    # no alias: the folded table name becomes the alias, so `Customers.Name` resolves
    (
        "SELECT Customers.Name FROM Customers",
        """
        select
          customers.name
        from {{ ref('customers') }} as customers
        """,
    ),
    # database and schema qualifiers go
    (
        "SELECT dbo.Customers.Name FROM MyDb.dbo.Customers",
        """
        select
          customers.name
        from {{ ref('customers') }} as customers
        """,
    ),
    # sources; table hints dropped
    (
        "SELECT o.Id FROM sales.Orders o WITH (NOLOCK) JOIN dbo.Customers c WITH (NOLOCK, INDEX(ix)) ON c.Id = o.CustomerId",
        """
        select
          o.id
        from {{ source('sales', 'orders') }} as o
        join {{ ref('customers') }} as c
          on c.id = o.customerid
        """,
    ),
    # CTE names are not relations
    (
        "WITH recent AS (SELECT Id FROM dbo.Customers) SELECT Id FROM recent",
        """
        with recent as (
          select
            id
          from {{ ref('customers') }} as customers
        )
        select
          id
        from recent
        """,
    ),
    (
        "SELECT Id FROM dbo.Customers UNION SELECT Id FROM sales.Orders",
        """
        select
          id
        from {{ ref('customers') }} as customers
        union
        select
          id
        from {{ source('sales', 'orders') }} as orders
        """,
    ),
    # string + is ||; string + number casts the string (int wins)
    (
        "SELECT Name + ' (' + City + ')' FROM dbo.Customers",
        """
        select
          name || ' (' || city || ')'
        from {{ ref('customers') }} as customers
        """,
    ),
    (
        "SELECT '5' + 3, Score + '1', 'a' + Name FROM dbo.Customers",
        """
        select
          cast('5' as int) + 3,
          score + cast('1' as int),
          'a' || name
        from {{ ref('customers') }} as customers
        """,
    ),
    (
        "SELECT N'café ' + Name FROM dbo.Customers",
        """
        select
          'café ' || name
        from {{ ref('customers') }} as customers
        """,
    ),
    # number + number stays +
    (
        "SELECT Score + Big + 1 FROM dbo.Customers",
        """
        select
          score + big + 1
        from {{ ref('customers') }} as customers
        """,
    ),
    # a string column through a CTE is still a string
    (
        "WITH n AS (SELECT Name AS Label FROM dbo.Customers) SELECT Label + '!' FROM n",
        """
        with n as (
          select
            name as label
          from {{ ref('customers') }} as customers
        )
        select
          label || '!'
        from n
        """,
    ),
    (
        "SELECT ISNULL(City, 'n/a'), IIF(Score > 1, 'high', 'low') FROM dbo.Customers",
        """
        select
          coalesce(city, 'n/a'),
          case when score > 1 then 'high' else 'low' end
        from {{ ref('customers') }} as customers
        """,
    ),
    (
        "SELECT GETDATE(), SYSDATETIME(), CURRENT_TIMESTAMP, GETUTCDATE()",
        """
        select
          localtimestamp,
          localtimestamp,
          localtimestamp,
          timezone('utc', current_timestamp)
        """,
    ),
    # TOP; SQL Server's null ordering kept explicitly
    (
        "SELECT TOP 10 Id FROM dbo.Customers ORDER BY Score DESC",
        """
        select
          id
        from {{ ref('customers') }} as customers
        order by
          score desc nulls last
        limit 10
        """,
    ),
    (
        "SELECT TOP (5) WITH TIES Id FROM dbo.Customers ORDER BY Score",
        """
        select
          id
        from {{ ref('customers') }} as customers
        order by
          score nulls first
        fetch first 5 rows with ties
        """,
    ),
    (
        "SELECT TOP 100 PERCENT Id FROM dbo.Customers ORDER BY Id",
        """
        select
          id
        from {{ ref('customers') }} as customers
        order by
          id nulls first
        """,
    ),
    (
        "SELECT DATEDIFF(year, Joined, Seen), DATEDIFF(qq, Joined, Seen), DATEDIFF(mm, Joined, Seen) FROM dbo.Customers",
        """
        select
          cast(extract(year from seen) - extract(year from joined) as int),
          cast((
            extract(year from seen) * 4 + extract(quarter from seen)
          ) - (
            extract(year from joined) * 4 + extract(quarter from joined)
          ) as int),
          cast((
            extract(year from seen) * 12 + extract(month from seen)
          ) - (
            extract(year from joined) * 12 + extract(month from joined)
          ) as int)
        from {{ ref('customers') }} as customers
        """,
    ),
    (
        "SELECT DATEDIFF(day, Joined, Seen), DATEDIFF(week, Joined, Seen) FROM dbo.Customers",
        """
        select
          cast(seen as date) - joined,
          (
            (
              cast(seen as date) - cast(extract(dow from cast(seen as date)) as int)
            ) - (
              joined - cast(extract(dow from joined) as int)
            )
          ) / 7
        from {{ ref('customers') }} as customers
        """,
    ),
    (
        "SELECT DATEDIFF(hour, Joined, Seen), DATEDIFF(mi, Joined, Seen), DATEDIFF_BIG(ss, Joined, Seen) FROM dbo.Customers",
        """
        select
          cast(extract(epoch from date_trunc('hour', seen) - date_trunc('hour', cast(joined as timestamp))) / 3600 as int),
          cast(extract(epoch from date_trunc('minute', seen) - date_trunc('minute', cast(joined as timestamp))) / 60 as int),
          cast(extract(epoch from date_trunc('second', seen) - date_trunc('second', cast(joined as timestamp))) as bigint)
        from {{ ref('customers') }} as customers
        """,
    ),
    # DATEADD keeps a date a date; a string start is a datetime
    (
        "SELECT DATEADD(month, 1, Joined), DATEADD(day, -Score, Seen), DATEADD(week, 2, '2024-01-01') FROM dbo.Customers",
        """
        select
          cast(joined + interval '1 month' as date),
          seen + -score * interval '1 day',
          cast('2024-01-01' as timestamp) + interval '14 day'
        from {{ ref('customers') }} as customers
        """,
    ),
    (
        "SELECT DATEPART(weekday, Seen), DATEPART(yy, Seen), YEAR(Joined), MONTH(Joined), DAY(Joined) FROM dbo.Customers",
        """
        select
          cast(extract(dow from seen) as int) + 1,
          cast(extract(year from seen) as int),
          cast(extract(year from joined) as int),
          cast(extract(month from joined) as int),
          cast(extract(day from joined) as int)
        from {{ ref('customers') }} as customers
        """,
    ),
    # LEN trims trailing spaces; DATALENGTH counts bytes: two per nvarchar character
    (
        "SELECT LEN(Name), LEN(Score), DATALENGTH(Name) FROM dbo.Customers",
        """
        select
          length(rtrim(name)),
          length(rtrim(cast(score as text))),
          length(name) * 2
        from {{ ref('customers') }} as customers
        """,
    ),
    (
        "SELECT CONVERT(varchar(8), Seen, 112), CONVERT(varchar, Joined, 103), CONVERT(int, City), CAST(Score AS nvarchar) FROM dbo.Customers",
        """
        select
          cast(to_char(seen, 'YYYYMMDD') as varchar(8)),
          to_char(joined, 'DD/MM/YYYY'),
          cast(case when length(trim(city)) = 0 then '0' else city end as int),
          cast(score as varchar(30))
        from {{ ref('customers') }} as customers
        """,
    ),
    # cast types go through postgres_type; datetime2 to datetime rounds to datetime's 1/300 s ticks
    (
        "SELECT CAST(Score AS money), CAST(Id AS tinyint), CAST(Name AS nvarchar(max)), CAST(Seen AS datetime) FROM dbo.Customers",
        """
        select
          cast(score as decimal(19, 4)),
          cast(id as smallint),
          cast(name as text),
          date_trunc('second', cast(seen as timestamp)) + round(
            round(extract(microseconds from cast(seen as timestamp)) % 1000000 * 0.0003) * 10 / 3.0
          ) * interval '1 MILLISECOND'
        from {{ ref('customers') }} as customers
        """,
    ),
    (
        "SELECT Id FROM dbo.Customers WHERE Active = 1 AND 0 <> Active",
        """
        select
          id
        from {{ ref('customers') }} as customers
        where
          active = true and false <> active
        """,
    ),
    (
        "SELECT AVG(Score), AVG(Big), AVG(CAST(Score AS float)), AVG(Score) OVER (PARTITION BY City) FROM dbo.Customers",
        """
        select
          cast(trunc(avg(score)) as int),
          cast(trunc(avg(big)) as bigint),
          avg(cast(score as double precision)),
          cast(trunc(avg(score) over (partition by lower(rtrim(city)))) as int)
        from {{ ref('customers') }} as customers
        """,
    ),
    (
        "SELECT Name FROM dbo.Customers ORDER BY City, Name DESC",
        """
        select
          name
        from {{ ref('customers') }} as customers
        order by
          translate(
            lower(rtrim(city)),
            'àáâãäåāăąçćčďèéêëēęěìíîïīñńňòóôõöøōőřśšťùúûüūůűýÿžźż',
            'aaaaaaaaacccdeeeeeeeiiiiinnnoooooooorsstuuuuuuuyyzzz'
          ) nulls first,
          lower(rtrim(city)) nulls first,
          translate(
            lower(rtrim(name)),
            'àáâãäåāăąçćčďèéêëēęěìíîïīñńňòóôõöøōőřśšťùúûüūůűýÿžźż',
            'aaaaaaaaacccdeeeeeeeiiiiinnnoooooooorsstuuuuuuuyyzzz'
          ) desc nulls last,
          lower(rtrim(name)) desc nulls last
        """,
    ),
    # the default CI collation: text compared as lower(rtrim()), literals folded now;
    # GROUP BY a text column groups case-insensitively and returns min() of the group
    (
        "SELECT City, COUNT(*) AS n FROM dbo.Customers WHERE Name = N'Ada ' AND City IN ('Rome', 'Oslo') GROUP BY City",
        """
        select
          min(city) as city,
          count(*) as n
        from {{ ref('customers') }} as customers
        where
          lower(rtrim(name)) = 'ada' and lower(rtrim(city)) in ('rome', 'oslo')
        group by
          lower(rtrim(city))
        """,
    ),
    # DISTINCT as GROUP BY; LIKE with a bracket class as a regex; CHARINDEX ignores case
    (
        "SELECT DISTINCT Name, Score FROM dbo.Customers WHERE Name LIKE '[A-C]%' AND CHARINDEX('X', City) > 0",
        """
        select
          min(name) as name,
          score
        from {{ ref('customers') }} as customers
        where
          name ~* '^[A-C].* *$' and position('x' in lower(city)) > 0
        group by
          lower(rtrim(name)),
          score
        """,
    ),
    # ISNULL takes the first argument's type; decimal -> int truncates; ROUND(x, n, 1) truncates
    (
        "SELECT ISNULL(City, REPLICATE('x', 40)), CAST(Score * 1.5 AS int), ROUND(Score * 1.5, 0, 1) FROM dbo.Customers",
        """
        select
          coalesce(city, cast(repeat('x', 40) as varchar(30))),
          cast(trunc(score * 1.5) as int),
          trunc(score * 1.5, 0)
        from {{ ref('customers') }} as customers
        """,
    ),
    # a column of unknown type is compared as PostgreSQL does
    (
        "SELECT Id FROM dbo.Customers WHERE Unknown = 'x'",
        """
        select
          id
        from {{ ref('customers') }} as customers
        where
          unknown = 'x'
        """,
    ),
    # macros: arguments passed as PostgreSQL text in Jinja string literals, quotes escaped
    (
        "SELECT dbo.fn_tax(Score, 'it''s') * 2 FROM dbo.Customers",
        r"""
        select
          {{ fn_tax('score', '\'it\'\'s\'') }} * 2
        from {{ ref('customers') }} as customers
        """,
    ),
    # a nested call is a Jinja expression inside the outer call
    (
        "SELECT DBO.FN_NAME(dbo.fn_tax(c.Score, 1)) FROM dbo.Customers c",
        """
        select
          {{ fn_name(fn_tax('c.score', '1')) }}
        from {{ ref('customers') }} as c
        """,
    ),
    # an integer used as a datetime is days since 1900-01-01; datetime + n adds n days
    (
        "SELECT DATEADD(MONTH, DATEDIFF(MONTH, 0, Seen), 0) AS MonthStart, Seen + 1 AS NextDay FROM dbo.Customers",
        """
        select
          cast('1900-01-01' as timestamp) + cast((
            extract(year from seen) * 12 + extract(month from seen)
          ) - (
            extract(year from cast('1900-01-01' as timestamp)) * 12 + extract(month from cast('1900-01-01' as timestamp))
          ) as int) * interval '1 month' as monthstart,
          seen + interval '1 day' as nextday
        from {{ ref('customers') }} as customers
        """,
    ),
    # TRY_CAST guarded by pg_input_is_valid; CHOOSE as a simple CASE
    (
        "SELECT TRY_CAST(Name AS int), CHOOSE(Score, 'a', 'b') FROM dbo.Customers",
        """
        select
          cast(case
            when length(trim(name)) = 0
            then '0'
            when pg_input_is_valid(name, 'int')
            and name ~ '^\\s*[-+]?([0-9]+\\.?[0-9]*|\\.[0-9]+)\\s*$'
            then name
          end as int),
          case score when 1 then 'a' when 2 then 'b' end
        from {{ ref('customers') }} as customers
        """,
    ),
    # a self-referencing CTE needs WITH RECURSIVE
    (
        "WITH n AS (SELECT 1 AS i UNION ALL SELECT i + 1 FROM n WHERE i < 3) SELECT i FROM n",
        """
        with recursive n as (
          select
            1 as i
          union all
          select
            i + 1
          from n
          where
            i < 3
        )
        select
          i
        from n
        """,
    ),
]


@pytest.mark.parametrize(("tsql", "expected"), CASES)
def test_translate_select(tsql, expected):
    actual = translate_select(tsql, relations=RELATIONS, macros=MACROS, column_types=COLUMN_TYPES)
    assert actual == dedent(expected).strip()


def test_without_column_types_plus_of_a_column_and_a_number_string_is_left_to_postgres():
    # x + '5' with x of unknown type: PostgreSQL types '5' from x, as SQL Server would
    assert translate_select("SELECT x + '5', x + 'a' FROM t", relations={"dbo.t": "t"}) == dedent(
        """
        select
          x + '5',
          x || 'a'
        from t as t
        """
    ).strip()


ERRORS = [
    ("SELECT a FROM dbo.missing", "unknown relation dbo.missing (line 1, column 19)"),
    ("SELECT a\nFROM #tmp", "temporary table #tmp must be inlined as a CTE first (line 2, column 7)"),
    ("SELECT a\nFROM WHERE", "cannot parse T-SQL near 'WHERE': Expected table name (line 2, column 6)"),
    ("SELECT 'abc", "cannot read T-SQL: Error tokenizing 'SELECT 'ab' (an unclosed quote or bracket?)"),
    ("SELECT 1; SELECT 2", "expected exactly one SELECT statement, found 2 statements"),
    ("", "expected exactly one SELECT statement, found 0 statements"),
    ("DELETE FROM dbo.Customers", "expected a SELECT query, got DELETE: DELETE FROM dbo.Customers (line 1, column 17)"),
    ("SELECT Id INTO #x FROM dbo.Customers", "SELECT ... INTO creates a table: expected a plain SELECT (line 1, column 17)"),
    ("SELECT CONVERT(date, Name, 104) FROM dbo.Customers", "CONVERT style 104 is not supported for reading dates (line 1, column 28)"),
    ("SELECT * FROM (SELECT * FROM dbo.Customers) c PIVOT (SUM(Score) FOR City IN ([A])) p",
     "PIVOT/UNPIVOT needs a source whose columns are known (list them in a subquery) (line 1, column 54)"),
    ("SELECT TOP 1 WITH TIES Id FROM dbo.Customers", "TOP ... WITH TIES needs an ORDER BY (line 1, column 12)"),
    ("SELECT dbo.fn_other(1)", "unknown function dbo.fn_other: not translated as a macro (line 1, column 8)"),
    ("SELECT DATEDIFF(tz, Seen, Seen) FROM dbo.Customers", "date part 'tz' is not supported in DATEDIFF (line 1, column 8)"),
    ("SELECT CONVERT(varchar, Seen, 7) FROM dbo.Customers", "CONVERT style 7 is not supported for VARCHAR (line 1, column 31)"),
    ("SELECT CAST(Id AS dbo.Phone) FROM dbo.Customers", "unknown SQL Server type 'dbo.Phone'"),
    ("SELECT @@ROWCOUNT", "variable @@ROWCOUNT in a query: no value for it in a model"),
    ("SELECT Id FROM dbo.Customers WHERE Id = @id", "variable @id in a query: no value for it in a model"),
    ("SELECT * FROM dbo.fn_rows(1) r", "table-valued function dbo.fn_rows is not supported in FROM (line 1, column 19)"),
]


@pytest.mark.parametrize(("tsql", "message"), ERRORS)
def test_translation_errors_are_one_line_with_the_position(tsql, message):
    with pytest.raises(TranslationError) as error:
        translate_select(tsql, relations=RELATIONS, macros=MACROS, column_types=COLUMN_TYPES)
    assert str(error.value) == message


def test_translation_error_carries_line_and_column():
    with pytest.raises(TranslationError) as error:
        translate_select("SELECT a\n  FROM dbo.nowhere", relations=RELATIONS)
    assert (error.value.line, error.value.column) == (2, 12)


EXPRESSIONS = [
    ("@Amount * 1.2", ["@amount"], "({{ amount }} * 1.2)"),
    ("ISNULL(@Name, '') + '!'", ["@Name"], "(coalesce({{ name }}, '') || '!')"),
    ("UPPER(@x)", ["@x"], "upper({{ x }})"),
    ("DATEADD(day, @n, @d)", ["@n", "@d"], "({{ d }} + {{ n }} * interval '1 day')"),
    ("LEN(@s)", ["@s"], "length(rtrim({{ s }}))"),
    ("dbo.fn_tax(@a, 'x') + 1", ["@a"], "({{ fn_tax(a, '\\'x\\'') }} + 1)"),
    ("CASE WHEN @v > 0 THEN 1 ELSE 0 END", ["@v"], "case when {{ v }} > 0 then 1 else 0 end"),
]


@pytest.mark.parametrize(("tsql_expression", "parameters", "expected"), EXPRESSIONS)
def test_translate_expression(tsql_expression, parameters, expected):
    assert translate_expression(tsql_expression, parameters, macros=MACROS) == expected


@pytest.mark.parametrize(
    ("tsql_expression", "message"),
    [
        ("@other + 1", "unknown parameter @other"),
        ("1 +", "cannot parse T-SQL"),
        ("1, 2", "expected one scalar expression: 1, 2"),
    ],
)
def test_translate_expression_errors(tsql_expression, message):
    with pytest.raises(TranslationError) as error:
        translate_expression(tsql_expression, ["@a"])
    assert str(error.value).startswith(message)


@pytest.mark.parametrize("call", ["DECOMPRESS(x)", "COMPRESS(x)", "SESSION_CONTEXT(N'k')", "SERVERPROPERTY('Edition')"])
def test_sql_server_only_functions_are_refused_by_name_not_passed_to_postgres(call):
    # WideWorldImporters reads DECOMPRESS(): passed through, it named a function PostgreSQL lacks
    with pytest.raises(TranslationError, match=r"no PostgreSQL equivalent: \w+\(\) is SQL Server's own"):
        translate_select(f"SELECT {call} AS y FROM dbo.t", relations={"dbo.t": '{{ ref("t") }}'})


@pytest.mark.parametrize("query", ["SELECT c.Location.ToString() AS l FROM dbo.t AS c",
                                   "SELECT Border.STArea() AS a FROM dbo.t"])
def test_methods_of_clr_types_are_refused_as_having_no_postgresql_equivalent(query):
    with pytest.raises(TranslationError, match=r"no PostgreSQL equivalent: \w+\.\w+\(\) is a method of a CLR type"):
        translate_select(query, relations={"dbo.t": '{{ ref("t") }}'})
