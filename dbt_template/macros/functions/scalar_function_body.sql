{#- dbt writes a SQL function's body as `$$ ... $$ LANGUAGE SQL`. A migrated scalar function whose
    body is not one expression is PL/pgSQL (config `meta: {body_language: plpgsql}`): the same
    body, quoted with a tag of its own and created `LANGUAGE plpgsql`. Every other function is
    left to dbt. -#}
{% macro postgres__scalar_function_body_sql() -%}
  {%- if model.config.get('meta', {}).get('body_language') == 'plpgsql' -%}
    $body$
{{ model.compiled_code }}
    $body$ LANGUAGE plpgsql
  {%- else -%}
    {{ default__scalar_function_body_sql() }}
  {%- endif -%}
{%- endmacro %}
