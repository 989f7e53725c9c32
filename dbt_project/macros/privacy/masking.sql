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

{#- A transaction counterparty as BI may read it: an organisation's name stays readable (a bank, a
    developer, a 4S dealer: the evidence staff act on), a person's name is masked like a customer's. A name
    is an organisation's when it holds one of var('organisation_name_markers') (公司, 银行, 证券, 医院,
    Ltd ...); anything else is taken for a person's, so an unknown kind errs on the side of privacy. -#}
{% macro counterparty_for_display(expr) -%}
    case
        when {{ expr }} is null then null
        when {% for marker in var('organisation_name_markers') -%}
            {{ dbt.position("'" ~ (marker | lower | replace("'", "''")) ~ "'", 'lower(' ~ expr ~ ')') }} > 0
            {%- if not loop.last %} or {% endif %}
        {%- endfor %} then {{ expr }}
        else {{ mask_name(expr) }}
    end
{%- endmacro %}
