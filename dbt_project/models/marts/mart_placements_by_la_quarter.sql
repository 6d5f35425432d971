-- Referrals, placements and median weekly cost by LA, quarter of referral and placement type.
-- Referrals not yet placed are counted under placement_type 'Not yet placed'.
with referrals as (
    select
        r.la_code,
        {{ quarter_label('r.referral_date') }} as referral_quarter,
        coalesce(r.placement_type, 'Not yet placed') as placement_type,
        r.placement_type is not null as is_placed,
        r.total_weekly_cost
    from {{ ref('int_referrals_latest') }} as r
)

select
    la.region,
    referrals.la_code,
    la.la_name,
    referrals.referral_quarter,
    referrals.placement_type,
    cast(count(*) as integer) as referrals,
    cast(count(*) filter (where referrals.is_placed) as integer) as placements,
    cast(count(referrals.total_weekly_cost) as integer) as costed_placements,
    {{ pence_median('referrals.total_weekly_cost') }} as median_weekly_cost
from referrals
inner join {{ ref('stg_local_authorities') }} as la on referrals.la_code = la.la_code
group by 1, 2, 3, 4, 5
