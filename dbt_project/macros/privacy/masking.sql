{#- Personal data is masked in every model BI tools read (marts). Staging keeps the raw values for
    matching and quality checks and is not exposed to BI users. -#}

{#- 13812345678 -> 138****5678 (the form Chinese banks print on statements). -#}
{% macro mask_phone(expr) -%}
    case when {{ expr }} is null then null
         when {{ dbt.length(expr) }} <= 7 then repeat('*', {{ dbt.length(expr) }})
         else {{ dbt.concat(["left(" ~ expr ~ ", 3)", "'****'", "right(" ~ expr ~ ", 4)"]) }}
    end
{%- endmacro %}

{#- 张三丰 -> 张** : the surname only. -#}
{% macro mask_name(expr) -%}
    case when {{ expr }} is null then null
         else {{ dbt.concat(["left(" ~ expr ~ ", 1)", "repeat('*', " ~ dbt.length(expr) ~ " - 1)"]) }}
    end
{%- endmacro %}

{#- An ID number keeps its last four characters: 330106********1234 style. -#}
{% macro mask_id_number(expr) -%}
    case when {{ expr }} is null then null
         when {{ dbt.length(expr) }} <= 4 then repeat('*', {{ dbt.length(expr) }})
         else {{ dbt.concat(["repeat('*', " ~ dbt.length(expr) ~ " - 4)", "right(" ~ expr ~ ", 4)"]) }}
    end
{%- endmacro %}
