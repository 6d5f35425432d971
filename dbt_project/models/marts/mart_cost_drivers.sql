-- What drove the change in the total weekly cost of new placements between consecutive quarters,
-- per region and per LA: volume (number of placements), mix (placement type shares, which includes
-- displacement from foster to residential), need (need-band shares within each type) and price
-- (mean cost within each type x need cell).
-- Method: Shapley decomposition of C = sum over cells of N * s_type * w_band|type * p_cell. Each
-- factor's effect is its average marginal contribution over all 24 orders of change, so the four
-- effects add up to the total change with no residual. The price effect is reported as the total
-- change less the other three (rounded) effects, so the parts add up exactly to the penny.
-- A cell or type absent in one quarter takes the other quarter's within-cell price and band shares.
with cells as (
    select 'Region' as scope, region, null::varchar as la_code, placement_quarter, placement_type, need_band,
           sum(placements) as n, sum(total_weekly_cost) as cost
    from {{ ref('int_cost_cells') }} group by all
    union all
    select 'LA', region, la_code, placement_quarter, placement_type, need_band, placements, total_weekly_cost
    from {{ ref('int_cost_cells') }}
),

quarters as (
    select distinct scope, region, la_code, placement_quarter from cells
),

pairs as (
    select scope, region, la_code, previous_quarter, placement_quarter as quarter
    from (
        select *, lag(placement_quarter) over (partition by scope, region, la_code order by placement_quarter)
            as previous_quarter
        from quarters
    )
    where previous_quarter is not null
      -- consecutive calendar quarters only
      and (cast(left(placement_quarter, 4) as int) * 4 + cast(right(placement_quarter, 1) as int))
        - (cast(left(previous_quarter, 4) as int) * 4 + cast(right(previous_quarter, 1) as int)) = 1
),

grid as (  -- every cell seen in either quarter of a pair, with both quarters' counts and costs
    select p.scope, p.region, p.la_code, p.previous_quarter, p.quarter, k.placement_type, k.need_band,
           coalesce(c0.n, 0) as n0, coalesce(c1.n, 0) as n1,
           coalesce(c0.cost, 0) as cost0, coalesce(c1.cost, 0) as cost1
    from pairs as p
    inner join (select distinct scope, region, la_code, placement_quarter, placement_type, need_band from cells) as k
        on k.scope = p.scope and k.region = p.region and k.la_code is not distinct from p.la_code
       and k.placement_quarter in (p.previous_quarter, p.quarter)
    left join cells as c0 on c0.scope = p.scope and c0.region = p.region
       and c0.la_code is not distinct from p.la_code and c0.placement_quarter = p.previous_quarter
       and c0.placement_type = k.placement_type and c0.need_band = k.need_band
    left join cells as c1 on c1.scope = p.scope and c1.region = p.region
       and c1.la_code is not distinct from p.la_code and c1.placement_quarter = p.quarter
       and c1.placement_type = k.placement_type and c1.need_band = k.need_band
    qualify row_number() over (partition by p.scope, p.region, p.la_code, p.quarter, k.placement_type, k.need_band) = 1
),

factors as (
    select *,
        sum(n0) over w_pair as total_n0, sum(n1) over w_pair as total_n1,
        sum(n0) over w_type as type_n0, sum(n1) over w_type as type_n1
    from grid
    window w_pair as (partition by scope, region, la_code, quarter),
           w_type as (partition by scope, region, la_code, quarter, placement_type)
),

cell_factors as (
    select scope, region, la_code, previous_quarter, quarter, placement_type, need_band,
        total_n0::double as v0, total_n1::double as v1,
        type_n0::double / total_n0 as s0, type_n1::double / total_n1 as s1,
        coalesce(n0::double / nullif(type_n0, 0), n1::double / nullif(type_n1, 0)) as w0,
        coalesce(n1::double / nullif(type_n1, 0), n0::double / nullif(type_n0, 0)) as w1,
        coalesce(cost0::double / nullif(n0, 0), cost1::double / nullif(n1, 0)) as p0,
        coalesce(cost1::double / nullif(n1, 0), cost0::double / nullif(n0, 0)) as p1
    from factors
    where total_n0 > 0 and total_n1 > 0
),

masks as (  -- bit 1 volume, 2 mix, 4 need, 8 price: which factors are at the later quarter
    select m from range(16) as t(m)
),

f as (
    select scope, region, la_code, previous_quarter, quarter, m,
        sum(
            (case when m & 1 > 0 then v1 else v0 end)
            * (case when m & 2 > 0 then s1 else s0 end)
            * (case when m & 4 > 0 then w1 else w0 end)
            * (case when m & 8 > 0 then p1 else p0 end)
        ) as value
    from cell_factors cross join masks
    group by all
),

shapley as (  -- weight of a coalition of size k among 4 factors: k! (3 - k)! / 4!
    select a.scope, a.region, a.la_code, a.previous_quarter, a.quarter, bit.b,
        sum((case bit_count(a.m) when 0 then 0.25 when 3 then 0.25 else 1.0 / 12 end) * (b_.value - a.value)) as effect
    from f as a
    cross join (select unnest([1, 2, 4, 8]) as b) as bit
    inner join f as b_ on b_.scope = a.scope and b_.region = a.region and b_.la_code is not distinct from a.la_code
        and b_.quarter = a.quarter and b_.m = a.m | bit.b
    where a.m & bit.b = 0
    group by all
),

totals as (
    select scope, region, la_code, previous_quarter, quarter,
        sum(n0) as placements_before, sum(n1) as placements_after,
        cast(sum(cost0) as decimal(18, 2)) as weekly_cost_before,
        cast(sum(cost1) as decimal(18, 2)) as weekly_cost_after
    from grid group by all
),

wide as (
    select t.scope, t.region, t.la_code, t.previous_quarter, t.quarter, t.placements_before, t.placements_after,
        t.weekly_cost_before, t.weekly_cost_after,
        cast(round(max(effect) filter (where b = 1), 2) as decimal(18, 2)) as volume_effect,
        cast(round(max(effect) filter (where b = 2), 2) as decimal(18, 2)) as mix_effect,
        cast(round(max(effect) filter (where b = 4), 2) as decimal(18, 2)) as need_effect
    from totals as t
    inner join shapley as s
        on s.scope = t.scope and s.region = t.region and s.la_code is not distinct from t.la_code
       and s.quarter = t.quarter
    group by all
)

select
    wide.scope,
    wide.region,
    wide.la_code,
    la.la_name,
    previous_quarter,
    quarter,
    cast(placements_before as integer) as placements_before,
    cast(placements_after as integer) as placements_after,
    weekly_cost_before,
    weekly_cost_after,
    cast(weekly_cost_after - weekly_cost_before as decimal(18, 2)) as total_change,
    volume_effect,
    mix_effect,
    need_effect,
    cast(weekly_cost_after - weekly_cost_before - volume_effect - mix_effect - need_effect as decimal(18, 2))
        as price_effect
from wide
left join {{ ref('dim_local_authority') }} as la on la.la_code = wide.la_code
