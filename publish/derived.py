"""Aggregates the regional report and the LA feedback pages need beyond the marts' own grain, computed from
the published analyst file and exported (suppressed) like the marts, so the pages can be made only from
suppressed tables and anyone can check a figure on a page against a shared CSV."""

from __future__ import annotations

from collections.abc import Callable

import duckdb
import pandas as pd

from publish.disclosure import ExportSpec

SUFFICIENCY_COUNTS = ("referrals", "placed", "not_yet_placed", "placed_in_preferred_type",
                      "displaced_foster_to_residential")


def _sufficiency(period: str) -> str:
    return f"""SELECT region, la_code, la_name, {period},
                      {", ".join(f"CAST(sum({c}) AS INTEGER) AS {c}" for c in SUFFICIENCY_COUNTS)}
               FROM mart_sufficiency GROUP BY ALL"""


QUERIES = {
    "report_sufficiency_by_la_quarter": _sufficiency("referral_quarter"),
    "report_sufficiency_by_la_year": _sufficiency("CAST(left(referral_quarter, 4) AS INTEGER) AS referral_year"),
    # the region's median weekly cost by type and need band: the mart's medians are per LA and cannot be summed
    "report_median_cost_by_type_band": """
        SELECT region, placement_quarter, placement_type, need_band,
               CAST(count(*) AS INTEGER) AS placements_costed,
               CAST(round(median(total_weekly_cost), 2) AS DOUBLE) AS median_weekly_cost
        FROM fct_referrals WHERE total_weekly_cost IS NOT NULL AND placement_quarter IS NOT NULL
        GROUP BY ALL""",
    "report_cost_drivers_region": """
        SELECT region, previous_quarter, quarter, placements_before, placements_after,
               CAST(weekly_cost_before AS DOUBLE) AS weekly_cost_before,
               CAST(weekly_cost_after AS DOUBLE) AS weekly_cost_after,
               CAST(total_change AS DOUBLE) AS total_change, CAST(volume_effect AS DOUBLE) AS volume_effect,
               CAST(mix_effect AS DOUBLE) AS mix_effect, CAST(need_effect AS DOUBLE) AS need_effect,
               CAST(price_effect AS DOUBLE) AS price_effect,
               least(placements_before, placements_after) AS placements_fewer
        FROM mart_cost_drivers WHERE scope = 'Region'""",
    # accepted submissions only: a refused file reports on no quarter
    "report_data_quality_by_la_quarter": """
        SELECT region, la_code, la_name, reported_quarter,
               CAST(count(*) AS INTEGER) AS submissions,
               CAST(sum(rows_accepted) AS INTEGER) AS rows_accepted,
               CAST(median(days_after_quarter_end) AS DOUBLE) AS median_days_after_quarter_end,
               CAST(round(avg(mean_completeness_of_collected_fields), 4) AS DOUBLE) AS mean_completeness
        FROM mart_data_quality WHERE status = 'accepted' AND reported_quarter IS NOT NULL
        GROUP BY ALL""",
}

_SUFFICIENCY = dict(counts=SUFFICIENCY_COUNTS, additive=(("referrals", ("placed", "not_yet_placed")),),
                    hierarchy=("la_code", "la_name"))
DERIVED = (
    ExportSpec(table="report_sufficiency_by_la_quarter",
               dims=("region", "la_code", "la_name", "referral_quarter"), **_SUFFICIENCY),
    ExportSpec(table="report_sufficiency_by_la_year",
               dims=("region", "la_code", "la_name", "referral_year"), **_SUFFICIENCY),
    # the region's placements costed per cell are mart_cost_like_for_like's region rows, suppressed there
    ExportSpec(table="report_median_cost_by_type_band",
               dims=("region", "placement_quarter", "placement_type", "need_band"),
               counts=("placements_costed",), statistics={"median_weekly_cost": "placements_costed"},
               unpublished=("placements_costed",)),
    ExportSpec(table="report_cost_drivers_region", dims=("region", "previous_quarter", "quarter"),
               counts=("placements_before", "placements_after"),
               statistics={c: "placements_fewer" for c in ("weekly_cost_before", "weekly_cost_after", "total_change",
                                                           "volume_effect", "mix_effect", "need_effect",
                                                           "price_effect")},
               unpublished=("placements_before", "placements_after", "placements_fewer")),
    ExportSpec(table="report_data_quality_by_la_quarter", dims=("region", "la_code", "la_name", "reported_quarter"),
               counts=("rows_accepted",),
               statistics={"median_days_after_quarter_end": "rows_accepted", "mean_completeness": "rows_accepted"}),
)


SOURCES = {"report_sufficiency_by_la_quarter": "mart_sufficiency", "report_sufficiency_by_la_year": "mart_sufficiency",
           "report_median_cost_by_type_band": "fct_referrals", "report_cost_drivers_region": "mart_cost_drivers",
           "report_data_quality_by_la_quarter": "mart_data_quality"}


def derived_tables(con: duckdb.DuckDBPyConnection, present: set[str]) -> dict[str, pd.DataFrame]:
    """Each derived table whose mart is `present` (published), as a frame, read on `con`, whose current
    schema holds the public marts (the analyst file, or the warehouse's marts)."""
    return {name: con.execute(sql).df() for name, sql in QUERIES.items() if SOURCES[name] in present}


# A derived table whose cells add up cells of another shared table: (that table, how its rows map onto this
# table's dimensions). Exported after it, so its suppressed cells are known (publish/exports.py).
LINKS: dict[str, tuple[str, Callable[[pd.DataFrame], pd.DataFrame]]] = {
    "report_sufficiency_by_la_quarter": ("mart_sufficiency", lambda fine: fine),
    "report_sufficiency_by_la_year": ("report_sufficiency_by_la_quarter",
                                      lambda fine: fine.assign(referral_year=fine["referral_quarter"].str[:4])),
}
