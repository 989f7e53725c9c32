{#- A contact field (a name, an ID number, a phone, an email, an address) that holds no usable content is
    missing: NULL from staging on (docs/rules.md section 8). Unusable: empty, spaces, only punctuation or
    symbols (no letter or digit of any script), or one of var('contact_placeholders') (compared trimmed and
    lower-cased). Anything else is kept as written, trimmed. -#}
{% macro usable_text(expr) -%}
    {%- set placeholders = var('contact_placeholders') | map('lower') | list -%}
    case
        when {{ expr }} is null then null
        when lower(trim({{ expr }})) in (
            {%- for p in placeholders %}'{{ p | replace("'", "''") }}'{% if not loop.last %}, {% endif %}{% endfor -%}
        ) then null
        when not {{ has_letter_or_digit('trim(' ~ expr ~ ')') }} then null
        else trim({{ expr }})
    end
{%- endmacro %}

{#- True when the text holds a letter or a digit of any script (Han characters included). -#}
{% macro has_letter_or_digit(expr) -%}
    {{ return(adapter.dispatch('has_letter_or_digit', 'branch_retention')(expr)) }}
{%- endmacro %}

{% macro default__has_letter_or_digit(expr) -%}
    coalesce(regexp_matches({{ expr }}, '[\p{L}\p{N}]'), false)
{%- endmacro %}

{#- [[:alnum:]] follows the database's LC_CTYPE (Han characters are letters under C.UTF-8, not under C):
    the CJK ideograph blocks are named too, so a name in Chinese is kept whatever the database's locale. -#}
{% macro postgres__has_letter_or_digit(expr) -%}
    coalesce({{ expr }} ~ '[[:alnum:]\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]', false)
{%- endmacro %}

{% macro spark__has_letter_or_digit(expr) -%}
    coalesce({{ expr }} rlike '[\\p{L}\\p{N}]', false)
{%- endmacro %}
