{#- Generic test: no two rows share the same values of `columns` (a composite key).
    A failure lists each duplicated key with how often it occurs. -#}
{% test unique_combination(model, columns) %}
select {{ columns | join(', ') }}, count(*) as n_rows
from {{ model }}
group by {{ columns | join(', ') }}
having count(*) > 1
{% endtest %}
