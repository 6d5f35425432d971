select
    submission_id,
    la_code,
    file_sha256,
    received_at,
    status,
    standard_version,
    layout,
    rows_received,
    rows_accepted,
    rows_rejected,
    rows_with_warnings,
    rows_erased
from {{ source('raw', 'submissions') }}
