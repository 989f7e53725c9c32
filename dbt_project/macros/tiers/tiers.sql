{#- The tiers, in one place: names, ranks and the floors from vars (docs/rules.md section 3).
    Rank orders the tiers: none 0 < mass 1 < affluent 2 < wealth 3 < private 4. -#}

{% macro tier_names() -%}
    {{ return(['none', 'mass', 'affluent', 'wealth', 'private']) }}
{%- endmacro %}

{#- Measured tier rank of a monthly daily-average AUM in CNY. -#}
{% macro tier_rank_for_aum(aum) -%}
    case
        when {{ aum }} >= {{ var('tier_floor_private') }} then 4
        when {{ aum }} >= {{ var('tier_floor_wealth') }} then 3
        when {{ aum }} >= {{ var('tier_floor_affluent') }} then 2
        when {{ aum }} > 0 then 1
        else 0
    end
{%- endmacro %}

{% macro tier_name(rank) -%}
    case {{ rank }}
        {%- for name in tier_names() %}
        when {{ loop.index0 }} then '{{ name }}'
        {%- endfor %}
    end
{%- endmacro %}

{#- The floor (CNY of monthly daily-average AUM) of a tier by name; null for mass and none (no floor above zero). -#}
{% macro tier_floor(tier) -%}
    case {{ tier }}
        when 'private' then {{ var('tier_floor_private') }}
        when 'wealth' then {{ var('tier_floor_wealth') }}
        when 'affluent' then {{ var('tier_floor_affluent') }}
    end
{%- endmacro %}
