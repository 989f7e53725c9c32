-- depends_on: {{ ref('int_months') }}
{#- One row per customer per month with a service tier: the one responsible staff member in their home
    branch of the role that serves the tier (the article's step 2), and why (docs/rules.md section 6):
    kept         the previous month's staff member (or, in the first month, the bank's relationship manager)
                 still fits: same branch, the role to serve, still employed;
    new          no one before;
    staff_left   the previous staff member left;
    tier_changed the role to serve changed (service tier moved, or escalation began or ended);
    no_staff_of_role  the branch has no staff of that role or any above: unassigned (see fct_staffing_alerts).
    Everyone not kept goes to the least-loaded staff member of the role (load = customers kept that
    month), most valuable customer first, ties by staff id: deterministic.
    Months are computed one after the other because each starts from the month before: in a build, one
    statement per month into int_customer_assignments__by_month, each reading the month before from that
    table (cost linear in the months on every engine; macros/staffing/assignment_month.sql); with
    var('assignment_months') (unit tests, benchmarks) chained in one query. -#}
{%- set chained = true -%}
{%- if var('assignment_months', none) -%}
    {%- set months = var('assignment_months') -%}
{%- elif execute -%}
    {%- set months = run_query("select month_start from " ~ ref('int_months') ~ " where not is_baseline order by 1").columns[0].values() | map('string') | list -%}
    {%- set chained = false -%}
{%- else -%}
    {%- set months = ['2000-01-01'] -%}
{%- endif %}
{%- if chained %}

with needs as (
    select * from {{ ref('int_customer_role_needs') }}
),

staff_months as (
    select * from {{ ref('int_staff_months') }}
),

customers as (
    select customer_id, relationship_manager_id from {{ ref('stg_bank__customers') }}
),
{% for month in months %}
-- {{ month }} ---------------------------------------------------------------------------------------------
assigned_{{ loop.index0 }} as (
{{ assignment_month(month, 'needs', 'staff_months', 'customers', none if loop.first else 'assigned_' ~ (loop.index0 - 1)) }}
){% if not loop.last %},{% endif %}
{% endfor %}

{% for month in months %}
select * from assigned_{{ loop.index0 }}
{% if not loop.last %}union all{% endif %}
{% endfor %}
{%- else %}
{%- set by_month = this.incorporate(path={'identifier': this.identifier ~ '__by_month'}) -%}
{%- do build_assignments_by_month(by_month, months, ref('int_customer_role_needs'), ref('int_staff_months'), ref('stg_bank__customers')) %}

select * from {{ by_month }}
{%- endif %}
