"""Statistical disclosure control for aggregates that leave the analyst team (DfE practice).

- Primary suppression: counts from 1 to the threshold are shown as `c`; 0 is a true zero.
- Secondary suppression: wherever cells add up to a total that is also published (a row's parts to
  its total column, LA rows to the region's total row), a relation with exactly one hidden cell would
  let a reader recover it by subtraction, so the smallest other non-zero cell of that relation is
  hidden too, repeated until no relation has exactly one hidden cell.
- Statistics (costs, shares, indices) are hidden when their contributing count is at or below the
  threshold (`PLACEMENTS_SUPPRESSION_THRESHOLD`, default 5).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

SUPPRESSED = "c"
TOTAL = "All"


@dataclass(frozen=True)
class ExportSpec:
    table: str
    dims: tuple[str, ...]
    counts: tuple[str, ...]
    additive: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (total column, its part columns) within a row
    hierarchy: tuple[str, ...] = ()  # columns that identify the LA; their rows add up to a region total row
    statistics: dict[str, str] = field(default_factory=dict)  # statistic column -> count column behind it


def with_totals(frame: pd.DataFrame, spec: ExportSpec) -> pd.DataFrame:
    """Append region total rows (hierarchy columns = 'All') summing the count columns."""
    if not spec.hierarchy or frame.empty:
        return frame.copy()
    keys = [d for d in spec.dims if d not in spec.hierarchy]
    totals = frame.groupby(keys, dropna=False)[list(spec.counts)].sum().reset_index()
    for column in spec.hierarchy:
        totals[column] = TOTAL
    return pd.concat([frame, totals], ignore_index=True)[list(frame.columns)]


def relations(frame: pd.DataFrame, spec: ExportSpec) -> list[list[tuple[int, str]]]:
    """Sets of cells that add up (a total and its parts): each is one linear equation a reader knows."""
    out: list[list[tuple[int, str]]] = []
    for index in frame.index:
        for total, parts in spec.additive:
            out.append([(index, total), *((index, p) for p in parts)])
    if spec.hierarchy:
        keys = [d for d in spec.dims if d not in spec.hierarchy]
        for _, group in frame.groupby(keys, dropna=False):
            for column in spec.counts:
                out.append([(i, column) for i in group.index])
    return out


def suppression_mask(frame: pd.DataFrame, spec: ExportSpec, threshold: int) -> pd.DataFrame:
    """True where a count cell must be hidden (primary and secondary)."""
    counts = frame[list(spec.counts)]
    hidden = (counts >= 1) & (counts <= threshold)
    equations = relations(frame, spec)
    changed = True
    while changed:
        changed = False
        for cells in equations:
            if sum(bool(hidden.at[i, c]) for i, c in cells) != 1:
                continue
            candidates = [(i, c) for i, c in cells if not hidden.at[i, c]]
            positive = [(frame.at[i, c], i, c) for i, c in candidates if frame.at[i, c] > 0]
            if positive:
                _, i, c = min(positive, key=lambda t: (t[0], str(t[1]), t[2]))
            else:
                i, c = candidates[0]
            hidden.at[i, c] = True
            changed = True
    return hidden


def suppress(frame: pd.DataFrame, spec: ExportSpec, threshold: int) -> pd.DataFrame:
    """The table as it may be shared: totals added, small and recoverable cells shown as `c`."""
    table = with_totals(frame.reset_index(drop=True), spec)
    hidden = suppression_mask(table, spec, threshold)
    out = table.astype({c: object for c in (*spec.counts, *spec.statistics)})
    for column in spec.counts:
        out.loc[hidden[column], column] = SUPPRESSED
    for statistic, count in spec.statistics.items():
        small = table[count] <= threshold  # few contributors; a count hidden only secondarily is not
        out.loc[small, statistic] = SUPPRESSED
        if spec.hierarchy:  # totals rows: statistics such as medians cannot be summed
            out.loc[table[spec.hierarchy[0]] == TOTAL, statistic] = None
    return out


EXPORTS = (
    ExportSpec(
        table="mart_sufficiency",
        dims=("region", "la_code", "la_name", "referral_quarter", "preferred_placement_type", "needed_by"),
        counts=("referrals", "placed", "not_yet_placed", "placed_in_preferred_type",
                "placed_in_suitable_not_preferred_type", "placed_in_unsuitable_type",
                "placed_suitability_not_specified", "displaced_foster_to_residential", "placed_with_location_answer",
                "placed_with_education_answer", "placed_sibling_groups", "sibling_groups_split"),
        additive=(("referrals", ("placed", "not_yet_placed")),
                  ("placed", ("placed_in_preferred_type", "placed_in_suitable_not_preferred_type",
                              "placed_in_unsuitable_type", "placed_suitability_not_specified"))),
        hierarchy=("la_code", "la_name"),
        statistics={"share_location_preferred": "placed_with_location_answer",
                    "share_education_continuity": "placed_with_education_answer"},
    ),
    ExportSpec(
        table="mart_cost_like_for_like",
        dims=("region", "la_code", "la_name", "placement_quarter", "placement_type", "need_band"),
        counts=("placements_costed",),
        hierarchy=("la_code", "la_name"),
        statistics={"mean_weekly_cost": "placements_costed", "median_weekly_cost": "placements_costed",
                    "p25_weekly_cost": "placements_costed", "p75_weekly_cost": "placements_costed"},
    ),
    ExportSpec(
        table="mart_cost_index",
        dims=("region", "la_code", "la_name", "placement_year"),
        counts=("placements_costed",),
        statistics={"actual_weekly_cost": "placements_costed",
                    "expected_weekly_cost_at_regional_prices": "placements_costed",
                    "cost_index": "placements_costed"},
    ),
    ExportSpec(
        table="mart_demand_forecast",
        dims=("region", "preferred_placement_type", "month", "kind"),
        counts=("referrals",),
    ),
)
