-- One row per referral: the latest version received. A corrected resubmission supersedes the earlier
-- row of the same referral (its referral_key: placement id when present, otherwise LA + child + referral
-- date, as the intake defined it); raw keeps every version.
select *  -- noqa: AM04
from {{ ref('stg_placements') }}
qualify
    row_number() over (
        partition by referral_key order by received_at desc, submission_id desc, source_row desc
    ) = 1
