-- One row per LA submission, accepted or rejected: what arrived, what loaded, how complete, how late.
with periods as (  -- the quarter a submission reports on: the quarter of its latest referral
    select
        submission_id,
        max(referral_date) as latest_referral_date
    from {{ ref('stg_placements') }}
    group by submission_id
),

completeness as (
    select
        submission_id,
        avg(completeness) as mean_completeness_of_collected_fields
    from {{ ref('int_field_completeness') }}
    where is_collected
    group by submission_id
)

select
    s.submission_id,
    s.la_code,
    la.la_name,
    la.region,
    s.received_at,
    s.status,
    s.standard_version,
    s.layout,
    s.rows_received,
    s.rows_accepted,
    s.rows_rejected,
    s.rows_with_warnings,
    s.rows_erased,
    {{ quarter_label('p.latest_referral_date') }} as reported_quarter,
    case when p.latest_referral_date is not null then
            {{ days_between(quarter_end('p.latest_referral_date'), 'cast(s.received_at as date)') }}
    end as days_after_quarter_end,
    cast({{ round_float('c.mean_completeness_of_collected_fields', 4) }} as float8)
        as mean_completeness_of_collected_fields
from {{ ref('stg_submissions') }} as s
inner join {{ ref('stg_local_authorities') }} as la using (la_code)
left join periods as p using (submission_id)
left join completeness as c using (submission_id)
