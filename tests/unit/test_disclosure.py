import numpy as np
import pandas as pd

from publish.disclosure import EXPORTS, SUPPRESSED, ExportSpec, suppress

SPEC = ExportSpec(
    table="t", dims=("region", "la", "quarter"), counts=("referrals", "placed", "not_placed"),
    additive=(("referrals", ("placed", "not_placed")),), hierarchy=("la",), statistics={"median_cost": "placed"},
)


def table(rows):
    return pd.DataFrame(rows, columns=["region", "la", "quarter", "referrals", "placed", "not_placed", "median_cost"])


def test_small_counts_are_hidden_zero_stays_and_totals_are_added():
    out = suppress(table([("NE", "A", "Q1", 20, 20, 0, 900.0), ("NE", "B", "Q1", 30, 27, 3, 950.0)]), SPEC, 5)
    b = out[out["la"] == "B"].iloc[0]
    a = out[out["la"] == "A"].iloc[0]
    assert b["not_placed"] == SUPPRESSED
    assert a["not_placed"] == 0  # a true zero is shown
    assert (out["la"] == "All").sum() == 1


def test_a_suppressed_cell_can_no_longer_be_recovered_from_any_total():
    frame = table([("NE", "A", "Q1", 40, 37, 3, 900.0), ("NE", "B", "Q1", 30, 20, 10, 950.0),
                   ("NE", "C", "Q1", 25, 14, 11, 800.0)])
    # Without secondary suppression A's 3 not placed = referrals 40 - placed 37, and = region total - B - C.
    out = suppress(frame, SPEC, 5)
    hidden = out.map(lambda v: v == SUPPRESSED)
    for i in out.index:  # every row identity referrals = placed + not_placed has 0 or 2+ hidden cells
        assert hidden.loc[i, ["referrals", "placed", "not_placed"]].sum() != 1
    for column in ["referrals", "placed", "not_placed"]:  # the LA rows and the region total row
        assert hidden[column].sum() != 1
    assert out.loc[out["la"] == "A", "not_placed"].iloc[0] == SUPPRESSED
    # and an attempt to recover A's not_placed by subtraction finds an unknown on every route
    a = out[out["la"] == "A"].iloc[0]
    total = out[out["la"] == "All"].iloc[0]
    assert SUPPRESSED in (a["referrals"], a["placed"])
    others = out[(out["la"] != "A") & (out["la"] != "All")]["not_placed"].tolist()
    assert SUPPRESSED in [total["not_placed"], *others]


def test_statistics_are_hidden_when_few_contribute():
    out = suppress(table([("NE", "A", "Q1", 4, 4, 0, 900.0), ("NE", "B", "Q1", 30, 30, 0, 950.0)]), SPEC, 5)
    assert out[out["la"] == "A"].iloc[0]["median_cost"] == SUPPRESSED
    assert out[out["la"] == "B"].iloc[0]["median_cost"] == 950.0
    assert pd.isna(out[out["la"] == "All"].iloc[0]["median_cost"])


def _random_region(seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for la in "ABCDEFGH":
        for quarter in ("Q1", "Q2", "Q3"):
            placed, not_placed = (int(v) for v in rng.choice([0, 1, 2, 3, 4, 6, 9, 14, 30], size=2))
            rows.append(("NE", la, quarter, placed + not_placed, placed, not_placed, 900.0))
    return table(rows)


def test_no_relation_of_a_random_region_is_left_with_one_hidden_cell():
    for seed in range(30):
        out = suppress(_random_region(seed), SPEC, 5)
        hidden = out.map(lambda v: v == SUPPRESSED)
        counts = ["referrals", "placed", "not_placed"]
        assert all(hidden.loc[i, counts].sum() != 1 for i in out.index)
        for _, group in out.groupby("quarter"):
            assert all(hidden.loc[group.index, c].sum() != 1 for c in counts)


def test_the_same_data_in_another_row_order_hides_the_same_cells():
    # else two releases of unchanged data could hide different cells, and together reveal them
    frame = _random_region(7)
    shuffled = frame.sample(frac=1, random_state=3)
    assert suppress(frame, SPEC, 5).equals(suppress(shuffled, SPEC, 5))


def with_provider_statistics(frame, spec):
    """The mart's other statistic columns, with placeholder values: the tests read cost_index and las_using."""
    return frame.assign(**{c: 1.0 for c in spec.statistics if c not in frame})


def test_provider_export_hides_small_providers_and_small_la_cells_and_cannot_be_undone_from_the_total():
    spec = next(s for s in EXPORTS if s.table == "mart_provider_cost")
    columns = ["region", "placement_type", "placement_year", "provider", "provider_registration", "la_code", "la_name",
               "placements_costed", "las_using", "cost_index"]
    frame = pd.DataFrame([
        ("NE", "Foster", 2025, "SC000001", "Registered", None, None, 40, 5, 1.25),
        ("NE", "Foster", 2025, "SC000002", "Registered", None, None, 2, 1, 1.41),   # a small provider
        ("NE", "Foster", 2025, "SC000003", "Registered", None, None, 9, 3, 0.95),
        ("NE", "Foster", 2025, "Unregistered", "Unregistered", "840", "Durham", 4, 1, 1.30),  # LA x provider, small
        ("NE", "Foster", 2025, "Unregistered", "Unregistered", "391", "Newcastle", 12, 1, 1.10),
    ], columns=columns)
    out = suppress(with_provider_statistics(frame, spec), spec, 5)
    row = {(r["provider"], r["la_code"]): r for _, r in out.iterrows()}
    small, la_cell = row[("SC000002", None)], row[("Unregistered", "840")]
    for r in (small, la_cell):  # the count and every statistic of a small provider or LA cell is hidden
        assert r["placements_costed"] == SUPPRESSED and r["cost_index"] == SUPPRESSED and r["las_using"] == SUPPRESSED
    total = row[("All", "All")]
    assert total["placements_costed"] == 67 and total["cost_index"] is None
    # two hidden cells against the total: neither can be recovered by subtraction
    assert (out["placements_costed"] == SUPPRESSED).sum() == 2
    assert row[("SC000001", None)]["cost_index"] == 1.25


def test_provider_export_hides_a_second_provider_when_only_one_would_be_hidden():
    spec = next(s for s in EXPORTS if s.table == "mart_provider_cost")
    frame = pd.DataFrame([
        ("NE", "Residential", 2025, "SC000001", "Registered", None, None, 40, 5, 1.0),
        ("NE", "Residential", 2025, "SC000002", "Registered", None, None, 1, 1, 1.7),
        ("NE", "Residential", 2025, "SC000003", "Registered", None, None, 9, 3, 0.9),
    ], columns=["region", "placement_type", "placement_year", "provider", "provider_registration", "la_code",
                "la_name", "placements_costed", "las_using", "cost_index"])
    out = suppress(with_provider_statistics(frame, spec), spec, 5)
    hidden = set(out.loc[out["placements_costed"] == SUPPRESSED, "provider"])
    assert hidden == {"SC000002", "SC000003"}  # 50 - 40 - 9 would give the small provider's 1 away
    assert out.loc[out["provider"] == "SC000003", "cost_index"].iloc[0] == 0.9  # 9 contributors: statistic shown
