-- One row per referral: the latest version received. A corrected resubmission supersedes the earlier
-- row of the same referral (placement id when present, otherwise LA + child + referral date); raw
-- keeps every version.
select * exclude (version_rank)
from (
    select
        *,
        row_number() over (
            partition by referral_key order by received_at desc, submission_id desc, source_row desc
        ) as version_rank
    from {{ ref('stg_placements') }}
)
where version_rank = 1
