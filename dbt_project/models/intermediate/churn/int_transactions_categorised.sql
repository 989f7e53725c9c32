{#- One row per external transaction (money into or out of the bank) with the customer and the
    counterparty category from the churn_keywords seed. A keyword matches anywhere in the counterparty
    name, counterparty bank or memo; where several match, the longest keyword wins (then A-Z), so
    "汽车贸易" reads as auto, not trade.
    Built incrementally by transaction month: a run re-categorises the transactions of the latest month
    already built and after (or of [refresh_from_month, refresh_to_month) when set) and replaces them by
    txn_id. A change to the churn_keywords seed or to an account's customer needs a --full-refresh. -#}
{#- unique_key txn_id, not a month: the table has no month column (adding one would change its contents),
    and txn_id is its grain, so a re-read transaction replaces its old row wherever that row was. -#}
{#- Spark overwrites partitions, and this table has no month to partition by: a table there, rebuilt whole. -#}
{#- tag monthly: rebuilt by month, so a monthly-partitioned asset in Dagster (orchestration/defs/dbt);
    meta month_column: the months it holds, which Dagster's partition status reads. -#}
{{ config(
    tags=['monthly'],
    meta={'month_column': 'txn_date'},
    materialized=('table' if target.type == 'spark' else 'incremental'),
    unique_key='txn_id',
    incremental_strategy='delete+insert',
    on_schema_change='fail'
) }}

with transactions as (
    select * from {{ ref('stg_bank__transactions') }}
    where flow_scope = 'external'
    {%- if is_incremental() %}
        and {{ in_refresh_window('txn_date',
            '(select cast(' ~ dbt.date_trunc('month', 'max(txn_date)') ~ ' as date) from ' ~ this ~ ')') }}
    {%- endif %}
),

accounts as (
    select account_id, customer_id from {{ ref('stg_bank__accounts') }}
),

keywords as (
    select keyword, category from {{ ref('churn_keywords') }}
),

{#- Which categories are consumption and which investment firms: the keyword_categories seed, not a list here. #}
categories as (
    select category, is_consumption, is_investment_firm from {{ ref('keyword_categories') }}
),

texts as (
    select
        transactions.*,
        accounts.customer_id,
        {{ dbt.concat(["coalesce(transactions.counterparty_name, '')", "' | '",
                       "coalesce(transactions.counterparty_bank, '')", "' | '",
                       "coalesce(transactions.memo, '')"]) }} as searchable_text
    from transactions
    inner join accounts on transactions.account_id = accounts.account_id
),

-- A match depends on the text only: each distinct text is searched once (counterparties and memos repeat), not
-- every transaction against every keyword.
searchable as (
    select distinct searchable_text from texts
),

matches as (
    select
        searchable.searchable_text,
        keywords.keyword,
        keywords.category,
        row_number() over (
            partition by searchable.searchable_text
            order by {{ dbt.length('keywords.keyword') }} desc, keywords.keyword
        ) as match_rank
    from searchable
    inner join keywords on {{ dbt.position('keywords.keyword', 'searchable.searchable_text') }} > 0
)

select
    texts.txn_id,
    texts.account_id,
    texts.customer_id,
    texts.txn_ts,
    texts.txn_date,
    texts.direction,
    texts.txn_type,
    texts.amount,
    texts.counterparty_name,
    texts.counterparty_bank,
    texts.is_other_bank,
    matches.keyword as matched_keyword,
    matches.category as counterparty_category,
    coalesce(categories.is_consumption, false) as is_consumption,
    coalesce(categories.is_investment_firm, false) as is_investment_firm
from texts
left join matches on texts.searchable_text = matches.searchable_text and matches.match_rank = 1
left join categories on matches.category = categories.category
