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
    select
        'Region' as scope,
        region,
        cast(null as varchar) as la_code,
        placement_quarter_start as placement_quarter,
        placement_type,
        need_band,
        sum(placements) as n,
        sum(total_weekly_cost) as cost
    from {{ ref('int_cost_cells') }}
    group by 1, 2, 3, 4, 5, 6
    union all
    select
        'LA' as scope,
        region,
        la_code,
        placement_quarter_start,
        placement_type,
        need_band,
        placements,
        total_weekly_cost
    from {{ ref('int_cost_cells') }}
),

quarters as (
    select distinct
        scope,
        region,
        la_code,
        placement_quarter
    from cells
),

factor_bits as (
    {{ integer_rows([1, 2, 4, 8]) }}
),

cell_keys as (
    select distinct
        scope,
        region,
        la_code,
        placement_quarter,
        placement_type,
        need_band
    from cells
),

ordered_quarters as (
    select
        *,
        lag(placement_quarter) over (partition by scope, region, la_code order by placement_quarter)
            as previous_quarter
    from quarters
),

pairs as (
    select
        scope,
        region,
        la_code,
        previous_quarter,
        placement_quarter as quarter
    from ordered_quarters
    where previous_quarter is not null
        and placement_quarter = cast(previous_quarter + interval '3 month' as date)  -- consecutive quarters only
),

grid as (  -- every cell seen in either quarter of a pair, with both quarters' counts and costs
    select distinct  -- a cell seen in both quarters meets the pair twice, as identical rows
        p.scope,
        p.region,
        p.la_code,
        p.previous_quarter,
        p.quarter,
        k.placement_type,
        k.need_band,
        coalesce(c0.n, 0) as n0,
        coalesce(c1.n, 0) as n1,
        coalesce(c0.cost, 0) as cost0,
        coalesce(c1.cost, 0) as cost1
    from pairs as p
    inner join cell_keys as k
        on p.scope = k.scope and p.region = k.region and k.la_code is not distinct from p.la_code
            and k.placement_quarter in (p.previous_quarter, p.quarter)
    left join
        cells
            as c0
        on p.scope = c0.scope and p.region = c0.region
            and c0.la_code is not distinct from p.la_code and p.previous_quarter = c0.placement_quarter
            and k.placement_type = c0.placement_type and k.need_band = c0.need_band
    left join
        cells
            as c1
        on p.scope = c1.scope and p.region = c1.region
            and c1.la_code is not distinct from p.la_code and p.quarter = c1.placement_quarter
            and k.placement_type = c1.placement_type and k.need_band = c1.need_band
),

factors as (
    select
        *,
        sum(n0) over w_pair as total_n0,
        sum(n1) over w_pair as total_n1,
        sum(n0) over w_type as type_n0,
        sum(n1) over w_type as type_n1
    from grid
    window
        w_pair as (partition by scope, region, la_code, quarter),
        w_type as (partition by scope, region, la_code, quarter, placement_type)
),

cell_factors as (
    select
        scope,
        region,
        la_code,
        previous_quarter,
        quarter,
        placement_type,
        need_band,
        cast(total_n0 as float8) as v0,
        cast(total_n1 as float8) as v1,
        cast(type_n0 as float8) / total_n0 as s0,
        cast(type_n1 as float8) / total_n1 as s1,
        coalesce(cast(n0 as float8) / nullif(type_n0, 0), cast(n1 as float8) / nullif(type_n1, 0)) as w0,
        coalesce(cast(n1 as float8) / nullif(type_n1, 0), cast(n0 as float8) / nullif(type_n0, 0)) as w1,
        coalesce(cast(cost0 as float8) / nullif(n0, 0), cast(cost1 as float8) / nullif(n1, 0)) as p0,
        coalesce(cast(cost1 as float8) / nullif(n1, 0), cast(cost0 as float8) / nullif(n0, 0)) as p1
    from factors
    where total_n0 > 0 and total_n1 > 0
),

masks as (  -- bit 1 volume, 2 mix, 4 need, 8 price: which factors are at the later quarter
    {{ integers_below(16) }}
),

f as (  -- the cost with each subset of factors at the later quarter
    select
        c.scope,
        c.region,
        c.la_code,
        c.previous_quarter,
        c.quarter,
        k.m,
        sum(
            (case when k.m & 1 > 0 then c.v1 else c.v0 end)
            * (case when k.m & 2 > 0 then c.s1 else c.s0 end)
            * (case when k.m & 4 > 0 then c.w1 else c.w0 end)
            * (case when k.m & 8 > 0 then c.p1 else c.p0 end)
        ) as value
    from cell_factors as c
    cross join masks as k
    group by 1, 2, 3, 4, 5, 6
),

shapley as (  -- weight of a coalition of size k among 4 factors: k! (3 - k)! / 4!
    select
        a.scope,
        a.region,
        a.la_code,
        a.previous_quarter,
        a.quarter,
        bit.b,
        sum(
            (case {{ bits_set('a.m') }} when 0 then 0.25 when 3 then 0.25 else 1.0 / 12 end) * (b_.value - a.value)
        ) as effect
    from f as a
    cross join factor_bits as bit
    inner join
        f
            as b_
        on a.scope = b_.scope and a.region = b_.region and b_.la_code is not distinct from a.la_code
            and a.quarter = b_.quarter and b_.m = a.m | bit.b
    where a.m & bit.b = 0
    group by 1, 2, 3, 4, 5, 6
),

totals as (
    select
        scope,
        region,
        la_code,
        previous_quarter,
        quarter,
        sum(n0) as placements_before,
        sum(n1) as placements_after,
        cast(sum(cost0) as decimal(18, 2)) as weekly_cost_before,
        cast(sum(cost1) as decimal(18, 2)) as weekly_cost_after
    from grid
    group by 1, 2, 3, 4, 5
),

wide as (
    select
        t.scope,
        t.region,
        t.la_code,
        t.previous_quarter,
        t.quarter,
        t.placements_before,
        t.placements_after,
        t.weekly_cost_before,
        t.weekly_cost_after,
        cast({{ round_float('max(s.effect) filter (where s.b = 1)', 2) }} as decimal(18, 2)) as volume_effect,
        cast({{ round_float('max(s.effect) filter (where s.b = 2)', 2) }} as decimal(18, 2)) as mix_effect,
        cast({{ round_float('max(s.effect) filter (where s.b = 4)', 2) }} as decimal(18, 2)) as need_effect
    from totals as t
    inner join shapley as s
        on t.scope = s.scope and t.region = s.region and s.la_code is not distinct from t.la_code
            and t.quarter = s.quarter
    group by 1, 2, 3, 4, 5, 6, 7, 8, 9
)

select
    wide.scope,
    wide.region,
    wide.la_code,
    la.la_name,
    {{ quarter_label('wide.previous_quarter') }} as previous_quarter,
    {{ quarter_label('wide.quarter') }} as quarter,
    cast(wide.placements_before as integer) as placements_before,
    cast(wide.placements_after as integer) as placements_after,
    wide.weekly_cost_before,
    wide.weekly_cost_after,
    cast(wide.weekly_cost_after - wide.weekly_cost_before as decimal(18, 2)) as total_change,
    wide.volume_effect,
    wide.mix_effect,
    wide.need_effect,
    cast(
        wide.weekly_cost_after - wide.weekly_cost_before - wide.volume_effect - wide.mix_effect - wide.need_effect
        as decimal(18, 2)
    ) as price_effect
from wide
left join {{ ref('stg_local_authorities') }} as la on wide.la_code = la.la_code
