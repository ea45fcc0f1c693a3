{#- dbt_utils' expression_is_true, written locally: a SQL Server CHECK constraint. A row breaks
    it when the expression is false; NULL passes, as it does in SQL Server. -#}
{% test expression_is_true(model, expression) %}
select *
from {{ model }}
where not ({{ expression }})
{% endtest %}
