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

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
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
    unpublished: tuple[str, ...] = ()  # columns that decide suppression but are not shared (counts that
    # another export already shows at the same grain, suppressed differently)


def with_totals(frame: pd.DataFrame, spec: ExportSpec) -> pd.DataFrame:
    """Append region total rows (hierarchy columns = 'All') summing the count columns."""
    if not spec.hierarchy or frame.empty:
        return frame.copy()
    keys = [d for d in spec.dims if d not in spec.hierarchy]
    totals = frame.groupby(keys, dropna=False)[list(spec.counts)].sum().reset_index()
    for column in spec.hierarchy:
        totals[column] = TOTAL
    return pd.concat([frame, totals], ignore_index=True)[list(frame.columns)]


def relations(frame: pd.DataFrame, spec: ExportSpec) -> tuple[np.ndarray, np.ndarray]:
    """Sets of cells that add up (a total and its parts): each is one linear equation a reader knows.
    Returned compactly, as equations are many (a row's parts, an LA group per count column): cell numbers
    (row position x number of count columns + count column position), and where each equation starts."""
    position = {c: k for k, c in enumerate(spec.counts)}
    width = len(spec.counts)
    equations: list[np.ndarray] = []
    rows = np.arange(len(frame))
    for total, parts in spec.additive:  # one equation per row: its total and its parts
        columns = [position[total], *(position[p] for p in parts)]
        equations.extend(rows[:, None] * width + np.array(columns)[None, :])
    if spec.hierarchy:
        keys = [d for d in spec.dims if d not in spec.hierarchy]
        for group in frame.groupby(keys, dropna=False, sort=True).indices.values():
            for k in range(width):  # each count column of an LA group adds up to its region total
                equations.append(np.sort(group) * width + k)
    sizes = np.array([len(e) for e in equations], dtype=np.int64)
    starts = np.concatenate([[0], np.cumsum(sizes)])
    cells = np.concatenate(equations) if equations else np.array([], dtype=np.int64)
    return cells, starts


def suppression_mask(frame: pd.DataFrame, spec: ExportSpec, threshold: int,
                     also: pd.DataFrame | None = None) -> pd.DataFrame:
    """True where a count cell must be hidden (primary and secondary). Each pass counts the hidden cells
    of every equation at once and visits, in order, only those with exactly one; of such an equation the
    smallest non-zero other cell is hidden too (ties: first row, then first column). Repeated until no
    equation has exactly one hidden cell."""
    counts = frame[list(spec.counts)]
    values = counts.to_numpy(dtype=float, na_value=0.0).ravel()
    hidden = ((values >= 1) & (values <= threshold))
    if also is not None:  # cells hidden for another reason (a linked table), protected like the rest
        hidden |= also[list(spec.counts)].to_numpy(dtype=bool).ravel()
    cells, starts = relations(frame, spec)
    width = len(spec.counts)
    while len(cells):
        per_equation = np.add.reduceat(hidden[cells].astype(np.int64), starts[:-1])
        changed = False
        for e in np.flatnonzero(per_equation == 1):
            members = cells[starts[e]:starts[e + 1]]
            shown = members[~hidden[members]]
            if len(shown) != len(members) - 1:  # an earlier equation of this pass hid another of its cells
                continue
            positive = shown[values[shown] > 0]
            pool = positive if len(positive) else shown
            # smallest value; among equals the first row, then the first column (cell number order)
            pick = pool[np.lexsort((pool, values[pool]))[0]] if len(positive) else shown[0]
            hidden[pick] = True
            changed = True
        if not changed:
            break
    return pd.DataFrame(hidden.reshape(-1, width), index=counts.index, columns=counts.columns)


def suppress(frame: pd.DataFrame, spec: ExportSpec, threshold: int,
             linked: Callable[[pd.DataFrame], pd.DataFrame] | None = None) -> pd.DataFrame:
    """The table as it may be shared: totals added, small and recoverable cells shown as `c`. `linked`
    names, for the table with its totals, cells to hide because another shared table would give them away."""
    # In the order of its dimensions: which cell a secondary suppression picks then never depends on the
    # order the warehouse returned rows in, so two releases of the same data hide the same cells.
    ordered = frame.sort_values(list(spec.dims), kind="stable", na_position="last", ignore_index=True)
    table = with_totals(ordered, spec)
    # whole-number statistics (e.g. LAs using a provider) stay whole beside the totals rows' blanks
    table = table.astype({c: "Int64" for c in spec.statistics if pd.api.types.is_integer_dtype(frame[c])})
    hidden = suppression_mask(table, spec, threshold, linked(table) if linked else None)
    out = table.astype({c: object for c in (*spec.counts, *spec.statistics)})
    for column in spec.counts:
        out.loc[hidden[column], column] = SUPPRESSED
    for statistic, count in spec.statistics.items():
        small = table[count] <= threshold  # few contributors; a count hidden only secondarily is not
        out.loc[small, statistic] = SUPPRESSED
        if spec.hierarchy:  # totals rows: statistics such as medians cannot be summed
            out.loc[table[spec.hierarchy[0]] == TOTAL, statistic] = None
    return out.drop(columns=list(spec.unpublished))


def given_away(coarse: pd.DataFrame, spec: ExportSpec, fine: pd.DataFrame, keys: tuple[str, ...]) -> pd.DataFrame:
    """Cells of `coarse` that add up cells of the shared table `fine` (grouped by `keys`, coarse's dimensions)
    of which exactly one is hidden: with the coarse cell shown, that one would be its total less the others.
    Hiding the coarse cell too leaves two unknowns; the usual secondary suppression then protects it."""
    flags = pd.DataFrame(False, index=coarse.index, columns=list(spec.counts))
    if fine.empty or coarse.empty:
        return flags
    lookup = coarse[list(keys)].astype(str)
    fine_keys = fine[list(keys)].astype(str)
    for column in spec.counts:
        one_hidden = (fine[column].astype(str) == SUPPRESSED).groupby([fine_keys[k] for k in keys]).sum() == 1
        exposed = {k if isinstance(k, tuple) else (k,) for k in one_hidden[one_hidden].index}
        flags[column] = [tuple(row) in exposed for row in lookup.itertuples(index=False)]
    return flags


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
    ExportSpec(  # providers: one row per provider (Unregistered and Unknown: per LA) against a region total
        table="mart_provider_cost",
        dims=("region", "placement_type", "placement_year", "provider", "provider_registration", "la_code", "la_name"),
        counts=("placements_costed",),
        hierarchy=("provider", "provider_registration", "la_code", "la_name"),
        statistics={"las_using": "placements_costed", "actual_weekly_cost": "placements_costed",
                    "expected_weekly_cost_at_regional_prices": "placements_costed", "cost_index": "placements_costed",
                    "cost_index_lower_95": "placements_costed", "cost_index_upper_95": "placements_costed",
                    "cost_index_log_standard_error": "placements_costed"},
    ),
    ExportSpec(
        table="mart_demand_forecast",
        dims=("region", "preferred_placement_type", "month", "kind"),
        counts=("referrals",),
    ),
)
