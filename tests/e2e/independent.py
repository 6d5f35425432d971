"""The standard's derivations recomputed in pandas from the generator's own records, independently of
the SQL, to check the marts exactly."""

from decimal import ROUND_HALF_UP, Decimal

import pandas as pd

TYPES = {"Foster": "foster_suitability", "Residential": "residential_suitability",
         "Supported Accommodation": "supported_accommodation_suitability"}
COMMON_RISKS = ["risk_self_harm", "risk_criminal_exploitation", "risk_drug_alcohol", "risk_eating_disorder",
                "risk_missing", "risk_to_others_physical", "risk_to_others_sexual", "risk_to_others_fire",
                "risk_to_others_animals", "risk_to_others_criminal"]
PENNY = Decimal("0.01")


def quarter(d) -> str:
    return f"{d.year}-Q{(d.month - 1) // 3 + 1}"


def loaded_referrals(records: pd.DataFrame) -> pd.DataFrame:
    r = records[~records["expect_rejected"].eq(True)].copy()
    preferred = r.apply(lambda x: [t for t, f in TYPES.items() if x[f] == "Preferred"], axis=1)
    r["preferred_placement_type"] = preferred.map(
        lambda p: p[0] if len(p) == 1 else ("Several preferred" if p else "None preferred"))
    support = r["additional_support"].map(
        lambda s: any(i != "Not applicable" for i in s) if isinstance(s, list) else False)
    r["need_score"] = (sum((r[c] == "Risk present").astype(int) for c in COMMON_RISKS)
                       + 2 * r["deprivation_of_liberty"].fillna(False).astype(int)
                       + (r["living_companions"] == "Solo placement recommended").astype(int) + support.astype(int))
    r["need_band"] = r["need_score"].map(lambda s: "Standard" if s == 0 else ("Elevated" if s <= 2 else "Complex"))
    r["is_placed"] = r["placement_type"].notna()

    def fit(x):
        if not x["is_placed"]:
            return None
        answer = x[TYPES[x["placement_type"]]]
        if answer == "Preferred":
            return "Preferred type"
        return {"Suitable but not preferred": "Suitable type", "Unsuitable": "Unsuitable type"}.get(
            answer, "Suitability not specified")

    r["placement_fit"] = r.apply(fit, axis=1)
    r["referral_quarter"] = r["referral_date"].map(quarter)
    r["placement_quarter"] = r["placement_date"].map(lambda d: quarter(d) if hasattr(d, "month") else None)
    return r


def quantile_pence(costs: list[Decimal], q: float) -> Decimal:
    pence = sorted(int((c * 100).to_integral_value()) for c in costs)
    position = Decimal(str(q)) * (len(pence) - 1)
    low = int(position)
    high = min(low + 1, len(pence) - 1)
    value = Decimal(pence[low]) + (position - low) * (pence[high] - pence[low])
    return (value.quantize(Decimal("1"), ROUND_HALF_UP) / 100).quantize(PENNY)


def mean_pence(costs: list[Decimal]) -> Decimal:
    total = sum(int((c * 100).to_integral_value()) for c in costs)
    return ((Decimal(total) / len(costs)).quantize(Decimal("1"), ROUND_HALF_UP) / 100).quantize(PENNY)


def sufficiency(records: pd.DataFrame) -> pd.DataFrame:
    r = loaded_referrals(records)
    r["needed_by"] = r["needed_by"].fillna("Not recorded")
    rows = []
    for key, g in r.groupby(["la_code", "referral_quarter", "preferred_placement_type", "needed_by"]):
        placed = g[g["is_placed"]]
        rows.append((*key, len(g), len(placed), int((g["placement_fit"] == "Preferred type").sum()),
                     int((g["placement_fit"] == "Suitable type").sum()),
                     int((g["placement_fit"] == "Unsuitable type").sum()),
                     int(((g["foster_suitability"] == "Preferred") & (g["placement_type"] == "Residential")).sum()),
                     int((~g["is_placed"]).sum())))
    return pd.DataFrame(rows, columns=["la_code", "referral_quarter", "preferred_placement_type", "needed_by",
                                       "referrals", "placed", "placed_in_preferred_type",
                                       "placed_in_suitable_not_preferred_type", "placed_in_unsuitable_type",
                                       "displaced_foster_to_residential", "not_yet_placed"])


def cost_like_for_like(records: pd.DataFrame) -> pd.DataFrame:
    r = loaded_referrals(records)
    r = r[r["is_placed"] & r["total_weekly_cost"].notna()]
    rows = []
    for key, g in r.groupby(["la_code", "placement_quarter", "placement_type", "need_band"]):
        costs = [Decimal(str(c)) for c in g["total_weekly_cost"]]
        rows.append((*key, len(costs), mean_pence(costs), quantile_pence(costs, 0.5), quantile_pence(costs, 0.25),
                     quantile_pence(costs, 0.75)))
    return pd.DataFrame(rows, columns=["la_code", "placement_quarter", "placement_type", "need_band",
                                       "placements_costed", "mean_weekly_cost", "median_weekly_cost",
                                       "p25_weekly_cost", "p75_weekly_cost"])


def _provider(urn) -> str:
    """As conform and int_provider_placements: a well-formed URN, Unregistered, else Unknown."""
    import re

    text = re.sub(r"\s+", "", urn).upper() if isinstance(urn, str) else ""
    if text == "UNREGISTERED":
        return "Unregistered"
    return text if re.fullmatch(r"[A-Z]{0,4}[0-9]{5,10}", text) else "Unknown"


def provider_index_inputs(records: pd.DataFrame) -> pd.DataFrame:
    """mart_provider_cost's counts and money: placements, LAs using, actual weekly cost, and the expected cost
    at regional mean prices per type x need band x year (exact Decimal, rounded half-up to the penny)."""
    r = loaded_referrals(records)
    r = r[r["is_placed"] & r["total_weekly_cost"].notna()].copy()
    r["cost"] = r["total_weekly_cost"].map(lambda c: Decimal(str(c)))
    r["placement_year"] = [(p if hasattr(p, "year") else d).year for p, d in zip(r["placement_date"],
                                                                                  r["referral_date"], strict=True)]
    from ingest.standard.reference import local_authorities

    regions = {code: la["region"] for code, la in local_authorities().items()}
    r["region"] = r["la_code"].map(regions)
    r["provider"] = r["provider_urn"].map(_provider)
    r["la"] = r["la_code"].where(r["provider"].isin(["Unregistered", "Unknown"]), None)  # per LA
    cell = ["region", "placement_year", "placement_type", "need_band"]
    prices = r.groupby(cell)["cost"].agg(lambda c: mean_pence(list(c))).rename("price")  # to the penny
    r = r.join(prices, on=cell)
    rows = []
    for (region, provider, la, ptype, year), g in r.groupby(
            ["region", "provider", "la", "placement_type", "placement_year"], dropna=False):
        actual, expected = sum(g["cost"]), sum(g["price"])
        rows.append((region, provider, None if pd.isna(la) else la, ptype, year, len(g), g["la_code"].nunique(),
                     actual.quantize(PENNY), expected.quantize(PENNY),
                     float((actual / expected).quantize(Decimal("0.0001"), ROUND_HALF_UP))))
    return pd.DataFrame(rows, columns=["region", "provider", "la_code", "placement_type", "placement_year",
                                       "placements_costed", "las_using", "actual_weekly_cost",
                                       "expected_weekly_cost_at_regional_prices", "cost_index"])
