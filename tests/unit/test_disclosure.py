import numpy as np
import pandas as pd

from publish.disclosure import SUPPRESSED, ExportSpec, suppress

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
