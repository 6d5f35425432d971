"""The regional report, `published/report/index.html`, rebuilt every run from the suppressed export tables
only, so it may be shared wherever the exports may. Each chart has a title that states its finding in
words computed from the data, the table behind it (collapsible) and a note on what suppression hid."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from publish import charts
from publish.disclosure import TOTAL
from publish.pages import SHOWN_SUPPRESSED, Value, e, fmt, page, ratio, read_export, region_rows, show, text

DRIVERS = ("volume_effect", "mix_effect", "need_effect", "price_effect")


@dataclass
class Section:
    finding: str
    chart: str  # inline SVG, or a sentence when there is nothing to draw
    table: str
    suppressed: int  # values of the table that suppression hid
    values: int


def _table(headers: list[str], rows: list[list[str]]) -> str:
    head = "".join(f"<th>{e(h)}</th>" for h in headers)
    return f"<table><tr>{head}</tr>{''.join('<tr>' + ''.join(r) + '</tr>' for r in rows)}</table>"


def _label(text_value: str) -> str:
    return f"<td>{e(str(text_value))}</td>"


def _counted(values: list[Value]) -> tuple[int, int]:
    return sum(v.suppressed for v in values), len(values)


def _las(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[frame["la_code"] != TOTAL]


def preferred_type(sufficiency_year: pd.DataFrame) -> Section:
    year = max(sufficiency_year["referral_year"])
    rows = sufficiency_year[sufficiency_year["referral_year"] == year]
    shares = {r.la_name: ratio(r.placed_in_preferred_type, r.placed) for r in _las(rows).itertuples()}
    region = [ratio(r.placed_in_preferred_type, r.placed) for r in region_rows(rows).itertuples()]
    region_share = region[0] if len(region) == 1 else Value(None)
    known = {la: v.number for la, v in shares.items() if v.known}
    if known:
        lowest = min(known, key=known.get)
        finding = (f"In {year}, {lowest} placed the fewest children in their preferred type: "
                   f"{fmt(known[lowest], 'share')}, against {text(region_share, 'share')} across the region")
    else:
        finding = f"In {year}, no LA's share placed in their preferred type can be shown (suppressed)"
    frame = pd.DataFrame({"la_name": list(known), "share": list(known.values())})
    table = [[_label(r.la_name), show(r.placed), show(r.placed_in_preferred_type), show(shares[r.la_name], "share")]
             for r in _las(rows).itertuples()]
    table += [[_label("Region"), show(r.placed), show(r.placed_in_preferred_type), show(region_share, "share")]
              for r in region_rows(rows).itertuples()]
    values = [Value.of(c) for r in rows.itertuples() for c in (r.placed, r.placed_in_preferred_type)]
    return Section(finding, charts.share_by_la(frame, region_share.number, f"Placed in preferred type, {year}"),
                   _table(["LA", "Placed", "In preferred type", "Share"], table), *_counted(values))


def _periodic(sufficiency: pd.DataFrame, column: str, per_placed: bool, period: str) -> tuple[pd.DataFrame, list]:
    points, values = [], []
    for r in _las(sufficiency).itertuples():
        v = ratio(getattr(r, column), r.placed) if per_placed else Value.of(getattr(r, column))
        values.append(v)
        if v.known:
            points.append({"la_name": r.la_name, "quarter": getattr(r, period), "value": v.number})
    return pd.DataFrame(points, columns=["la_name", "quarter", "value"]), values


def displacement(sufficiency_year: pd.DataFrame) -> Section:
    """By year, not quarter: an LA displaces a handful of children a quarter, so nearly every quarterly
    count is suppressed (1 to 5) and a quarterly chart would be empty."""
    frame, values = _periodic(sufficiency_year, "displaced_foster_to_residential", per_placed=True,
                              period="referral_year")
    if len(frame):
        top = frame.sort_values(["value", "quarter"], ascending=[False, False]).iloc[0]
        finding = (f"Displacement from foster to residential care was highest in {top.la_name} in {top.quarter}: "
                   f"{fmt(top.value, 'share')} of the children placed")
    else:
        finding = "Displacement from foster to residential care cannot be shown by LA (every count is suppressed)"
    rows = [[_label(r.la_name), _label(r.referral_year), show(r.placed), show(r.displaced_foster_to_residential),
             show(v, "share")] for r, v in zip(_las(sufficiency_year).itertuples(), values, strict=True)]
    return Section(finding, charts.lines_by_la(frame, "value", "Displaced, share of children placed", "%",
                                               "Referral year"),
                   _table(["LA", "Year", "Placed", "Displaced foster to residential", "Share"], rows),
                   *_counted(values))


def not_yet_placed(sufficiency_quarter: pd.DataFrame) -> Section:
    frame, values = _periodic(sufficiency_quarter, "not_yet_placed", per_placed=False, period="referral_quarter")
    latest = max(sufficiency_quarter["referral_quarter"])
    region = [Value.of(r.not_yet_placed) for r in region_rows(sufficiency_quarter).itertuples()
              if r.referral_quarter == latest]
    in_latest = frame[frame["quarter"] == latest]
    finding = f"{text(region[0], 'count') if len(region) == 1 else 'Some'} referrals of {latest} are not yet placed"
    if len(in_latest):
        top = in_latest.sort_values("value", ascending=False).iloc[0]
        finding += f"; {top.la_name} has the most ({fmt(top.value, 'count')})"
    rows = [[_label(r.la_name), _label(r.referral_quarter), show(r.referrals), show(r.not_yet_placed)]
            for r in _las(sufficiency_quarter).itertuples()]
    return Section(finding, charts.lines_by_la(frame, "value", "Referrals not yet placed"),
                   _table(["LA", "Quarter", "Referrals", "Not yet placed"], rows), *_counted(values))


def cost_index(index: pd.DataFrame) -> Section:
    year = max(index["placement_year"])
    rows = index[index["placement_year"] == year]
    values = [Value.of(r.cost_index) for r in rows.itertuples()]
    points = [{"la_name": r.la_name, "cost_index": v.number, "label": f"{v.number:.2f} ({r.placements_costed} placed)"}
              for r, v in zip(rows.itertuples(), values, strict=True) if v.known]
    frame = pd.DataFrame(points, columns=["la_name", "cost_index", "label"])
    if len(frame):
        top = frame.sort_values("cost_index", ascending=False).iloc[0]
        n = rows.loc[rows["la_name"] == top.la_name, "placements_costed"].iloc[0]
        gap = top.cost_index - 1
        finding = (f"In {year}, {top.la_name} paid {abs(gap):.0%} {'above' if gap >= 0 else 'below'} the region's "
                   f"prices for the same mix of placements (cost index {top.cost_index:.2f}, {n} placements costed)")
    else:
        finding = f"In {year}, no LA's cost index can be shown (suppressed)"
    table = [[_label(r.la_name), show(r.placements_costed), show(r.actual_weekly_cost, "money"),
              show(r.expected_weekly_cost_at_regional_prices, "money"), show(v, "index")]
             for r, v in zip(rows.itertuples(), values, strict=True)]
    return Section(finding, charts.cost_index(frame),
                   _table(["LA", "Placements costed", "Actual weekly cost", "At regional prices", "Cost index"],
                          table), *_counted(values))


def median_cost(medians: pd.DataFrame) -> Section:
    values = [Value.of(v) for v in medians["median_weekly_cost"]]
    frame = medians.assign(median_weekly_cost=[v.number for v in values])[[v.known for v in values]]
    changes = []
    for (ptype, band), g in frame.sort_values("placement_quarter").groupby(["placement_type", "need_band"]):
        if len(g) >= 2:
            first, last = g.iloc[0], g.iloc[-1]
            changes.append((last.median_weekly_cost - first.median_weekly_cost, ptype, band, first, last))
    if changes:
        change, ptype, band, first, last = max(changes, key=lambda c: abs(c[0]))
        finding = (f"The median weekly cost of {ptype} placements for {band.lower()} need "
                   f"{'rose' if change >= 0 else 'fell'} from {fmt(first.median_weekly_cost, 'money')} in "
                   f"{first.placement_quarter} to {fmt(last.median_weekly_cost, 'money')} in {last.placement_quarter}")
    else:
        finding = "Too few placements were costed to show a median weekly cost over time"
    rows = [[_label(r.placement_quarter), _label(r.placement_type), _label(r.need_band), show(v, "money")]
            for r, v in zip(medians.itertuples(), values, strict=True)]
    return Section(finding, charts.median_cost(frame),
                   _table(["Quarter", "Type", "Need band", "Median weekly cost"], rows),
                   *_counted(values))


def _signed(value: float) -> str:
    return f"{'+' if value >= 0 else '-'}£{abs(value):,.0f}"


def _waterfall_frame(start: float, effects: dict[str, float]) -> pd.DataFrame:
    steps, running = [{"step": "Before", "low": 0.0, "high": start, "kind": "total", "label": f"£{start:,.0f}"}], start
    for name, value in effects.items():
        steps.append({"step": name, "low": min(running, running + value), "high": max(running, running + value),
                      "kind": "increase" if value >= 0 else "decrease", "label": _signed(value)})
        running += value
    steps.append({"step": "After", "low": 0.0, "high": running, "kind": "total", "label": f"£{running:,.0f}"})
    return pd.DataFrame(steps)


def cost_drivers(drivers: pd.DataFrame) -> Section:
    drivers = drivers.sort_values("quarter")
    values = [Value.of(drivers[c].iloc[i]) for i in range(len(drivers)) for c in ("weekly_cost_before", *DRIVERS)]
    periods = [("quarter on quarter", drivers.tail(1))]
    if len(drivers) >= 4:  # a year: the four latest consecutive changes, chained (their effects add up)
        periods.append(("year on year", drivers.tail(4)))
    pictures, findings = [], []
    for name, part in periods:
        cells = [Value.of(v) for v in part[list(DRIVERS)].to_numpy().ravel()] + [Value.of(part["weekly_cost_before"]
                                                                                           .iloc[0])]
        span = f"{part['previous_quarter'].iloc[0]} to {part['quarter'].iloc[-1]}"
        if not all(c.known for c in cells):
            pictures.append(f"<p>{e(span)}: {SHOWN_SUPPRESSED} (too few placements).</p>")
            continue
        effects = {d.split("_")[0].title(): float(pd.to_numeric(part[d]).sum()) for d in DRIVERS}
        start = float(part["weekly_cost_before"].iloc[0])
        pictures.append(charts.waterfall(_waterfall_frame(start, effects), f"{span} ({name})"))
        total = sum(effects.values())
        main = max(effects, key=lambda k: abs(effects[k]))
        findings.append(f"{span} the weekly cost of new placements {'rose' if total >= 0 else 'fell'} by "
                        f"£{abs(total):,.0f}, most of it {main.lower()} ({_signed(effects[main])})")
    finding = "; ".join(findings) if findings else "The cost drivers cannot be shown (too few placements)"
    rows = [[_label(r.previous_quarter), _label(r.quarter), show(r.weekly_cost_before, "money"),
             show(r.weekly_cost_after, "money"),
             *(show(getattr(r, d), "money") for d in DRIVERS)] for r in drivers.itertuples()]
    return Section(finding, "".join(pictures),
                   _table(["From", "To", "Weekly cost before", "after", "Volume",
                           "Mix", "Need", "Price"], rows), *_counted(values))


def demand(forecast: pd.DataFrame) -> Section:
    numeric = ["referrals", "forecast", "forecast_lower_80", "forecast_upper_80", "forecast_lower_95",
               "forecast_upper_95"]
    values = [Value.of(v) for v in forecast["referrals"][forecast["kind"] == "history"]]
    frame = forecast.assign(**{c: pd.to_numeric(forecast[c].replace("c", None), errors="coerce") for c in numeric})
    frame["month"] = pd.to_datetime(frame["month"])
    ahead = frame[frame["kind"] == "forecast"].groupby("preferred_placement_type")["forecast"].sum()
    tests = forecast[forecast["kind"] == "forecast"].drop_duplicates("preferred_placement_type")
    beaten = [r for r in tests.itertuples() if r.backtest_mae_model and r.backtest_mae_seasonal_naive
              and float(r.backtest_mae_model) < float(r.backtest_mae_seasonal_naive)]
    tested = [r for r in tests.itertuples() if r.backtest_mae_model]
    if len(ahead):
        finding = (f"The next 12 months are forecast to bring {ahead.sum():,.0f} referrals, most for "
                   f"{ahead.idxmax()} ({ahead.max():,.0f}); the forecast beat a seasonal-naive guess in backtest "
                   f"for {len(beaten)} of {len(tested)} placement types")
    else:
        finding = "There is not yet enough history to forecast demand"
    rows = [[_label(r.preferred_placement_type), _label(r.model), show(r.backtest_months),
             show(r.backtest_mae_model), show(r.backtest_mae_seasonal_naive),
             show(ahead.get(r.preferred_placement_type))] for r in tests.itertuples()]
    return Section(finding, charts.forecast_fan(frame),
                   _table(["Preferred type", "Model", "Backtest months", "Backtest error (model)",
                           "Backtest error (seasonal naive)", "Forecast, next 12 months"], rows), *_counted(values))


def data_quality(quality: pd.DataFrame) -> Section:
    days = [Value.of(v) for v in quality["median_days_after_quarter_end"]]
    complete = [Value.of(v) for v in quality["mean_completeness"]]
    frame = quality.assign(quarter=quality["reported_quarter"], days=[d.number for d in days],
                           completeness=[c.number for c in complete])
    latest = frame.dropna(subset=["days"]).groupby("la_name")["days"].median()
    lowest = frame.dropna(subset=["completeness"]).groupby("la_name")["completeness"].mean()
    parts = []
    if len(latest) and latest.max() == latest.min():  # e.g. a backfill: every return arrived on one day
        parts.append(f"Every LA's returns arrived a median {latest.max():.0f} days after quarter end")
    elif len(latest):
        parts.append(f"{latest.idxmax()} sends its returns latest (median {latest.max():.0f} days after quarter "
                     f"end, against {latest.min():.0f} for {latest.idxmin()})")
    if len(lowest):
        parts.append(f"{lowest.idxmin()}'s are the least complete ({lowest.min():.0%} of collected fields filled)")
    finding = "; ".join(parts) or "No data quality figure can be shown yet"
    pictures = charts.heat_map(frame.dropna(subset=["days"]), "days", "Days after quarter end", ".0f", "orangered") \
        + charts.heat_map(frame.dropna(subset=["completeness"]), "completeness", "Completeness", ".0%", "blues")
    rows = [[_label(r.la_name), _label(r.reported_quarter), show(r.submissions), show(r.rows_accepted), show(d, "days"),
             show(c, "share")] for r, d, c in zip(quality.itertuples(), days, complete, strict=True)]
    headers = ["LA", "Quarter", "Submissions", "Rows accepted", "Days after quarter end", "Completeness"]
    return Section(finding, pictures, _table(headers, rows), *_counted(days + complete))


def _section(section: Section, threshold: int) -> str:
    note = (f"Suppression: counts from 1 to {threshold}, any count that would let one be worked out, and statistics "
            f"built on {threshold} or fewer placements are suppressed in the shared tables. Here {section.suppressed} "
            f"of {section.values} values are suppressed: they are left out of the chart and shown as "
            f"'{SHOWN_SUPPRESSED}' in the table, never as zero.")
    return (f"<section><h3>{e(section.finding)}.</h3><figure>{section.chart}</figure>"
            f"<details><summary>Table behind the chart</summary>{section.table}</details>"
            f"<p class='note'>{e(note)}</p></section>")


SECTIONS: tuple[tuple[str, str, Callable[[pd.DataFrame], Section]], ...] = (
    ("Sufficiency", "report_sufficiency_by_la_year", preferred_type),
    ("Sufficiency", "report_sufficiency_by_la_year", displacement),
    ("Sufficiency", "report_sufficiency_by_la_quarter", not_yet_placed),
    ("Like-for-like cost", "mart_cost_index", cost_index),
    ("Like-for-like cost", "report_median_cost_by_type_band", median_cost),
    ("Cost drivers", "report_cost_drivers_region", cost_drivers),
    ("Demand", "mart_demand_forecast", demand),
    ("Data quality", "report_data_quality_by_la_quarter", data_quality),
)


def render_report(exports: Path, threshold: int, generated: dt.datetime) -> str:
    tables = {name: read_export(exports, name) for _, name, _ in SECTIONS}
    regions = sorted(set(tables["report_sufficiency_by_la_year"].get("region", pd.Series(dtype=str))))
    title = f"Placements: {', '.join(regions) or 'regional'} report"
    head = (f"<h1>{e(title)}</h1><p class='note'>Made {generated:%Y-%m-%d %H:%M} UTC from the shared tables in "
            f"exports/ only (small numbers suppressed); every figure can be checked there.</p>")
    if tables["report_sufficiency_by_la_year"].empty:
        return page(title, head + "<p><strong>There is nothing to report yet:</strong> no submission has been "
                                  "accepted and published. The report fills in after the first accepted returns.</p>")
    body, heading = [head], None
    for group, name, build in SECTIONS:
        if group != heading:
            body.append(f"<h2 class='group'>{e(group)}</h2>")
            heading = group
        body.append(_section(build(tables[name]), threshold) if not tables[name].empty
                    else f"<p>Nothing yet for {e(group.lower())}.</p>")
    return page(title, "".join(body))


@contextmanager
def report_aside(exports: Path, target: Path, threshold: int) -> Iterator[None]:
    """The report written while the block runs: its page built here, its charts drawn in the renderer
    process (charts.start_renderer) when one runs, and the page written when the block ends."""
    from publish.pages import write_atomically

    with charts.charts_aside() as fill:
        html = render_report(exports, threshold, dt.datetime.now(dt.UTC).replace(tzinfo=None))
        yield
        write_atomically(target, fill(html))


def write_report(exports: Path, target: Path, threshold: int) -> Path:
    with report_aside(exports, target, threshold):
        pass
    return target
