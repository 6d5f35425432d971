-- Sufficiency: what was needed (preferred type, urgency) against what was found, by LA and quarter.
select
    region,
    la_code,
    la_name,
    {{ quarter_label('referral_quarter_start') }} as referral_quarter,
    preferred_placement_type,
    coalesce(needed_by, 'Not recorded') as needed_by,
    cast(count(*) as integer) as referrals,
    cast(count(*) filter (where is_placed) as integer) as placed,
    cast(count(*) filter (where placement_fit = 'Preferred type') as integer) as placed_in_preferred_type,
    cast(count(*) filter (where placement_fit = 'Suitable type') as integer) as placed_in_suitable_not_preferred_type,
    cast(count(*) filter (where placement_fit = 'Unsuitable type') as integer) as placed_in_unsuitable_type,
    cast(count(*) filter (where placement_fit = 'Suitability not specified') as integer)
        as placed_suitability_not_specified,
    cast(count(*) filter (where displaced_foster_to_residential) as integer) as displaced_foster_to_residential,
    cast(count(*) filter (where not is_placed) as integer) as not_yet_placed,
    cast(count(is_location_preferred) as integer) as placed_with_location_answer,
    cast(avg(cast(cast(is_location_preferred as int) as float8)) as float8) as share_location_preferred,
    cast(count(is_education_continuous) as integer) as placed_with_education_answer,
    cast(avg(cast(cast(is_education_continuous as int) as float8)) as float8) as share_education_continuity,
    cast(count(*) filter (where sibling_group_split is not null) as integer) as placed_sibling_groups,
    cast(count(*) filter (where sibling_group_split) as integer) as sibling_groups_split
from {{ ref('int_referral_outcomes') }}
group by 1, 2, 3, 4, 5, 6
