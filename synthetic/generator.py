"""A seeded synthetic region: several LAs submitting quarterly returns, with the messiness of real ones.

The truth (`GeneratedRegion.records`) is kept in canonical form, so tests can recompute marts
independently of the pipeline. Nothing here is real data: ids and names are invented.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import random
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import pandas as pd

from ingest.standard.contract import load_contract

RISKS_TO_CHILD = ["risk_self_harm", "risk_sexual_exploitation", "risk_criminal_exploitation",
                  "risk_drug_alcohol", "risk_eating_disorder", "risk_missing"]
RISKS_TO_OTHERS = ["risk_to_others_physical", "risk_to_others_sexual", "risk_to_others_fire",
                   "risk_to_others_animals", "risk_to_others_criminal"]
TYPES = ["Foster", "Residential", "Supported Accommodation"]
SUITABILITY_FIELD = {"Foster": "foster_suitability", "Residential": "residential_suitability",
                     "Supported Accommodation": "supported_accommodation_suitability"}
BASE_WEEKLY_COST = {"Foster": 900.0, "Residential": 5600.0, "Supported Accommodation": 1700.0}
FIRST_NAMES = ["Alex", "Sam", "Priya", "Tom", "Fatima", "Grace", "Oliver", "Megan", "Yusuf", "Chloe"]
LAST_NAMES = ["Okafor", "Hughes", "Patel", "Whitfield", "Kowalski", "Brennan", "Ahmed", "Lloyd"]
FREE_TEXT = ["Verbal aggression toward staff during transitions", "Absconds from school at lunchtime",
             "Contact with an older peer group of concern", "Damages property when distressed"]
OUTWARD_CODES = ["TA1", "TA3", "BS10", "BA2", "DL1", "DH7", "NE8", "SR2", "TS5", "M14", "LS6", "N18"]
DEFAULT_LAS = ("840", "391", "929", "390", "394")  # the North East: Durham, Newcastle, Northumberland, ...

# How each format writes canonical values: template dropdown spellings, v2 labels.
TEMPLATE_SPELLING = {
    "Within 5 days": "< 5 days", "More than 5 days": "> 5 days",
    "Only with other older children": "Only With Other older children",
    "Only with other younger children": "Only With Other younger children",
    "With other children recommended": "With Other children recommended",
    "Yes - must": "Yes-must", "Yes - can": "Yes-can", "Not applicable": "NA", "Not required": "Not Required",
    "Not specified": "Not Specified", "Risk present": "Risk Present",
}
V2_SPELLING = {
    "Within 5 days": "in less than 5 days", "More than 5 days": "in more than 5 days", "Today": "Today",
    "Yes": "Y", "No": "N", "Not applicable": "NA", "A worker for respite": "a worker for respite",
    "Taxis to school": "taxis to school", "Therapeutic support": "therapeutic support",
    "Additional supervision": "additional supervision", "Risk present": "Risk Present",
    "Not known": "Not Known", "Not required": "Not required",
}


class ProviderMarket:
    """The region's providers per placement type, each with its own price level (1.0 = the going rate) and
    share of the work: a few large ones every LA uses, a dear one, a small one. Seeded apart from the
    referrals, so the market is the same whatever else is drawn."""

    PRICE_LEVELS = {  # (price level, share of placements); the last Residential one is small and dear
        "Foster": [(1.0, 3), (0.95, 3), (1.05, 2), (1.35, 3), (0.9, 2), (1.0, 1)],
        "Residential": [(1.0, 3), (1.1, 2), (0.9, 2), (1.25, 2), (1.0, 1), (0.95, 1), (1.05, 1), (1.4, 0.15)],
        "Supported Accommodation": [(1.0, 3), (0.9, 2), (1.15, 2), (1.05, 1), (0.95, 1)],
    }
    UNREGISTERED = {"Residential": (1.5, 0.5), "Supported Accommodation": (1.2, 0.8)}  # dear, and common in SA
    MALFORMED_SHARE = 0.02  # URNs typed as something else (W005): counted under unknown provider

    def __init__(self, seed: int):
        self.rng = random.Random(seed * 7919 + 13)
        self.providers = {t: [(f"SC{self.rng.randrange(10**6):06d}", level, share) for level, share in levels]
                          for t, levels in self.PRICE_LEVELS.items()}
        for t, (level, share) in self.UNREGISTERED.items():
            self.providers[t].append(("Unregistered", level, share))

    def choose(self, placement_type: str) -> tuple[str, float]:
        """A provider's URN as an LA would record it, and its price level."""
        options = self.providers[placement_type]
        urn, level, _ = self.rng.choices(options, weights=[o[2] for o in options])[0]
        if self.rng.random() < self.MALFORMED_SHARE:
            urn = "TBC"
        return urn, level


@dataclass
class GeneratedRegion:
    records: pd.DataFrame  # canonical truth, one row per data row written, with file and row number
    files: list[Path] = field(default_factory=list)
    unreadable: list[Path] = field(default_factory=list)


def quarter_starts(first_year: int, quarters: int) -> list[dt.date]:
    return [dt.date(first_year + (i // 4), 1 + 3 * (i % 4), 1) for i in range(quarters)]


def generate_region(
    landing: Path,
    seed: int = 2026,
    las: tuple[str, ...] = DEFAULT_LAS,
    first_year: int = 2023,
    quarters: int = 12,
    referrals_per_quarter: int = 25,
    messy: bool = True,
    today: dt.date | None = None,
) -> GeneratedRegion:
    rng = random.Random(seed)
    market = ProviderMarket(seed)
    today = today or dt.date.today()
    contract = load_contract()
    region = GeneratedRegion(records=pd.DataFrame())
    all_records: list[dict] = []
    for la_index, la in enumerate(las):
        price_factor = 0.85 + 0.1 * la_index + rng.uniform(-0.03, 0.03)
        folder = landing / la
        folder.mkdir(parents=True, exist_ok=True)
        # Each LA keeps one format, as real LAs do: June template, April template, v2 CSV.
        fmt = ["template-2026-06", "v2-csv", "template-2026-04", "v2-csv-json-names", "jsonld"][la_index % 5]
        for start in quarter_starts(first_year, quarters):
            end = (pd.Timestamp(start) + pd.offsets.QuarterEnd(0)).date()
            if end >= today:
                break
            n = max(1, int(rng.gauss(referrals_per_quarter, referrals_per_quarter * 0.15)))
            records = [
                _referral(rng, market, la, start, end, i, price_factor, fmt) for i in range(n)
            ]
            name = f"placements_{la}_{start.year}Q{(start.month - 1) // 3 + 1}"
            if fmt.startswith("template"):
                path = folder / f"{name}.xlsx"
                rows = _write_template(contract, path, records, fmt, rng, messy)
            elif fmt == "jsonld":
                path = folder / f"{name}.jsonld"
                rows = _write_jsonld(contract, path, records, rng)
            else:
                path = folder / f"{name}.csv"
                rows = _write_v2_csv(contract, path, records, fmt, rng, messy)
            for record, row in zip(records, rows, strict=True):
                record.update(file_name=path.name, source_row=row)
            all_records.extend(records)
            region.files.append(path)
    if messy:
        _spoil_one_value(region, all_records, contract)
        bad = landing / las[0] / "placements_export_corrupt.xlsx"
        bad.write_bytes(b"PK\x03\x04 this is not really a workbook " + bytes(range(256)))
        region.unreadable.append(bad)
    region.records = pd.DataFrame(all_records)
    return region


def _pick(rng: random.Random, weights: dict[str, float]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _referral(rng, market, la, start, end, i, price_factor, fmt) -> dict:
    referral_date = start + dt.timedelta(days=rng.randrange((end - start).days + 1))
    preferred = _pick(rng, {"Foster": 0.62, "Residential": 0.2, "Supported Accommodation": 0.18})
    risk_rate = {"Foster": 0.08, "Residential": 0.35, "Supported Accommodation": 0.15}[preferred]
    r: dict = {"la_code": la, "child_id": f"CH{la}{rng.randrange(10**6):06d}{i:03d}"}
    for risk in RISKS_TO_CHILD + RISKS_TO_OTHERS:
        r[risk] = "Risk present" if rng.random() < risk_rate else "No known risk"
    if fmt.startswith("template"):
        r["risk_sexual_exploitation"] = None  # the 2026 template does not collect it
    if not fmt.startswith("v2"):  # 2026 forms ask whether the preferred location is in the LA
        r["is_preferred_location_local"] = rng.random() < 0.7
        if not r["is_preferred_location_local"]:
            r["out_of_la_reason"] = _pick(rng, {"Safeguarding concerns": 0.5, "Court order": 0.2,
                                                "Bail conditions": 0.1, "Other": 0.2})
            if r["out_of_la_reason"] == "Other":
                r["out_of_la_reason"] = "Safeguarding concerns" if fmt.startswith("template") else "Other"
                if fmt == "jsonld":
                    r["out_of_la_reason_other"] = "Specialist provider only available outside the LA"
    if rng.random() < 0.15:  # free text: LA-internal, must never leave the raw zone
        r["risk_to_others_other"] = f"{rng.choice(FREE_TEXT)} (note {rng.randrange(10**5):05d})"
    if rng.random() < 0.1:
        r["risk_other"] = f"{rng.choice(FREE_TEXT)} (note {rng.randrange(10**5):05d})"
    r["needed_by"] = _pick(rng, {"Today": 0.25, "Within 5 days": 0.35, "More than 5 days": 0.4})
    r["sibling_count"] = rng.choices([0, 1, 2, 3], weights=[0.75, 0.15, 0.07, 0.03])[0]
    r["communication_needs"] = _pick(rng, {"Yes": 0.2, "No": 0.7, "Not specified": 0.1})
    r["communication_requirements"] = (
        sorted(rng.sample(["ESOL", "BSL", "Makaton", "Other"], k=rng.choice([1, 1, 2])))
        if r["communication_needs"] == "Yes" else ["None"]
    )
    if fmt == "jsonld" and "Other" in r["communication_requirements"]:
        r["communication_requirements_other"] = rng.choice(["Uses a picture exchange system", "Needs an interpreter"])
    r["home_adaptation"] = rng.random() < 0.05
    r["cultural_needs"] = _pick(rng, {"Required": 0.2, "Not required": 0.6, "Not known": 0.2})
    r["living_companions"] = _pick(rng, {
        "Solo placement recommended": 0.1 + risk_rate, "With other children recommended": 0.3,
        "Only with other older children": 0.1, "Only with other younger children": 0.1, "No preference": 0.4})
    r["pets"] = _pick(rng, {"Yes - must": 0.05, "Yes - can": 0.55, "No": 0.2, "Not known": 0.2})
    r["additional_support"] = (
        sorted(rng.sample(["Additional supervision", "Therapeutic support", "A worker for respite",
                           "Taxis to school"], k=rng.choice([1, 2])))
        if rng.random() < 0.3 + risk_rate else ["Not applicable"]
    )
    r["deprivation_of_liberty"] = rng.random() < (0.15 if preferred == "Residential" else 0.01)
    for t in TYPES:
        r[SUITABILITY_FIELD[t]] = "Preferred" if t == preferred else _pick(
            rng, {"Suitable but not preferred": 0.5, "Unsuitable": 0.4, "Not specified": 0.1})
    r["referral_date"] = referral_date
    r["referral_officer_name"] = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
    need = sum(r[k] == "Risk present" for k in RISKS_TO_CHILD + RISKS_TO_OTHERS) + 2 * r["deprivation_of_liberty"]
    delay = {"Today": 0, "Within 5 days": rng.randrange(1, 5), "More than 5 days": rng.randrange(5, 45)}[r["needed_by"]]
    placement_date = referral_date + dt.timedelta(days=delay)
    placed = placement_date <= end and rng.random() > 0.12
    if placed:
        suitable = [t for t in TYPES if r[SUITABILITY_FIELD[t]] in {"Preferred", "Suitable but not preferred"}]
        actual = preferred if rng.random() < 0.75 else rng.choice(suitable)
        if preferred == "Foster" and rng.random() < 0.1:
            actual = "Residential"  # displacement: no foster home found
        provider, provider_level = market.choose(actual)
        cost = (BASE_WEEKLY_COST[actual] * price_factor * provider_level * (1 + 0.12 * need)
                * rng.lognormvariate(0, 0.15))
        total = Decimal(str(round(cost, 2)))
        core = (total * Decimal("0.8")).quantize(Decimal("0.01"))
        r.update(
            placement_type=actual, total_weekly_cost=total, placement_date=placement_date,
            placement_location=rng.choice(OUTWARD_CODES), is_location_preferred=rng.random() < 0.7,
            is_education_continuous=rng.random() < 0.8,
            provider_urn=provider,
            siblings_placed_together=min(r["sibling_count"], rng.choice([0, r["sibling_count"]])),
            placement_officer_name=f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
            cost_date=placement_date,
        )
        if fmt.startswith("template"):
            r.update(cost_core_weekly=core, cost_additional_support_weekly=total - core,
                     cost_education_weekly=Decimal("0.00"), cost_other_weekly=Decimal("0.00"))
    return r


def _spell(value, table: dict[str, str]):
    if isinstance(value, list):
        return ", ".join(table.get(v, v) for v in value)
    return table.get(value, value)


def _render(f, value, spelling: dict[str, str], rng, messy: bool, yes_no: tuple[str, str], date_style: str):
    """A canonical value as an LA's system or officer would type it."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    if f.canonical.type == "boolean":
        answer = (not value) if f.invert else value
        return yes_no[0] if answer else yes_no[1]
    if f.canonical.type == "date":
        return value if date_style == "excel" else value.strftime("%d/%m/%Y")
    if f.canonical.type == "money":
        if date_style == "excel":
            return float(value)
        return f"£{value:,.2f}" if messy and rng.random() < 0.5 else f"{value:.2f}"
    text = _spell(value, spelling)
    if isinstance(text, str) and messy and rng.random() < 0.05:
        text = f" {text}  "  # stray spaces
    return text


def _write_template(contract, path: Path, records: list[dict], fmt: str, rng, messy: bool) -> list[int]:
    from openpyxl import Workbook

    version = contract.version("template-2026")
    layout = "2026-04" if fmt.endswith("04") else "2026-06"
    fields = version.layout_fields(layout)
    wb = Workbook()
    wb.active.title = "Checklist and QA"
    ws = wb.create_sheet(version.sheet)
    ws.append([f.canonical.section.title() for f in fields])
    ws.append([f.headers[0] for f in fields])
    ws.append([f.canonical.description for f in fields])
    rows = []
    for i, record in enumerate(records):
        if messy and i == len(records) // 2:
            ws.append([None] * len(fields))  # a blank row in the middle
        ws.append([_render(f, record.get(f.name), TEMPLATE_SPELLING, rng, messy, ("Yes", "No"), "excel")
                   for f in fields])
        rows.append(ws.max_row)
    wb.save(path)
    return rows


def _write_v2_csv(contract, path: Path, records: list[dict], fmt: str, rng, messy: bool) -> list[int]:
    version = contract.version("v2")
    json_names = fmt.endswith("json-names")
    headers = [f.headers[-1] if json_names else f.headers[0] for f in version.fields]
    yes_no = ("Yes", "No") if json_names else ("Y", "N")
    delimiter = ";" if json_names else ","
    rows = []
    with path.open("w", newline="", encoding="utf-8-sig" if json_names else "utf-8") as out:
        writer = csv.writer(out, delimiter=delimiter)
        writer.writerow(headers)
        line = 1
        for i, record in enumerate(records):
            if messy and i == len(records) // 2:
                writer.writerow([""] * len(headers))
                line += 1
            writer.writerow([
                _render(f, record.get(f.name), V2_SPELLING, rng, messy, yes_no, "uk") for f in version.fields
            ])
            line += 1
            rows.append(line)
    return rows


SKOS_CODES = {"Within 5 days": "WithinFiveDays", "More than 5 days": "MoreThanFiveDays", "No known risk": "NoKnownRisk",
              "Risk present": "RiskPresent", "Taxis to school": "st:TaxisToSchool", "Not applicable": "NotApplicable"}


def _write_jsonld(contract, path: Path, records: list[dict], rng) -> list[int]:
    """2026 JSON-LD records, nested by section, values as labels or SKOS codes as suppliers send them."""
    version = contract.version("jsonld-2026")
    out = []
    for record in records:
        doc: dict = {"@context": "https://ns.socialcaredata.io/placements/context.jsonld", "@type": "Placement"}
        for f in version.fields:
            value = record.get(f.name)
            if value is None:
                continue
            if isinstance(value, Decimal):
                value = float(value)
            elif isinstance(value, dt.date):
                value = value.isoformat()
            elif isinstance(value, list):
                value = [SKOS_CODES.get(v, v) if rng.random() < 0.5 else v for v in value]
            elif isinstance(value, str) and f.canonical.vocabulary and rng.random() < 0.5:
                value = SKOS_CODES.get(value, value)
            if f.name in version.spec.top_level:
                doc[f.headers[0]] = value
            else:
                doc.setdefault(version.spec.sections[f.canonical.section], {})[f.headers[0]] = value
        out.append(doc)
    path.write_text(json.dumps(out, indent=1), encoding="utf-8")
    return list(range(1, len(records) + 1))


def _spoil_one_value(region: GeneratedRegion, records: list[dict], contract) -> None:
    """One bad value in one CSV file: a placement type nobody can map. That row must be rejected. A region
    whose LAs all return other formats (one LA can) has no such value."""
    csv_files = [p for p in region.files if p.suffix == ".csv"]
    if not csv_files:
        return
    for record in records:
        if record.get("placement_type") and record["file_name"] == csv_files[0].name and \
                record["la_code"] == csv_files[0].parent.name:
            path = csv_files[0]
            delimiter = ";" if "json" in str(path) else ","
            encoding = "utf-8-sig" if path.read_bytes().startswith(b"\xef\xbb\xbf") else "utf-8"
            lines = list(csv.reader(path.open(newline="", encoding=encoding), delimiter=delimiter))
            header = lines[0]
            column = next(i for i, h in enumerate(header) if h in {"Placement Type", "placementType"})
            lines[record["source_row"] - 1][column] = "Resi"
            with path.open("w", newline="", encoding=encoding) as out:
                csv.writer(out, delimiter=delimiter).writerows(lines)
            record["expect_rejected"] = True
            return
