"""The regional report's charts: Vega-Lite specifications (written with Altair) rendered to static SVG by
vl-convert at publish time and inlined in the page. A static SVG needs no script, so the page opens from
a file share with no network and under any browser policy that blocks JavaScript; the data behind each
chart is the table printed under it. Suppressed values are absent from the data handed to a chart."""

from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from contextlib import contextmanager

import altair as alt
import pandas as pd

from publish.renderer import Renderer, RendererGone, render

WIDTH = 560
# vl-convert lays text out with the first family installed: Liberation Sans has Arial's metrics (Debian's
# fonts-liberation, which Chromium's package brings), so labels fit as a browser draws them in Arial or
# Helvetica. Arial alone, absent here, was measured with a wider fallback (an axis 10 px too wide) and drew
# 17% slower; a machine with none of the three measures with that fallback, as before.
FONT = "Arial, Helvetica, Liberation Sans, sans-serif"
LABELLED_CELLS = 400  # a heat map prints its values up to a region's LAs x quarters; beyond, colour only
RENDERERS = 1  # processes drawing a report's charts (two: a night's publish 0.3 s sooner, its dbt 0.3 s slower)

# Drawing is vl-convert's JavaScript engine, about 1.5 s of a national report. A run starts renderer
# processes while dbt builds (start_renderer), and the report's charts are drawn there, shared between
# them, while this process writes the rest of the page and the LAs' pages.
_RENDERER: list[Renderer] = []
_ASIDE: list[dict[str, tuple[dict, Future]]] = []  # the charts of the report being written (charts_aside)
_NEXT = itertools.count()


def start_renderer() -> None:
    """Processes that have loaded vl-convert and drawn once, for the next report (idempotent)."""
    if not _RENDERER:
        _RENDERER.extend(Renderer() for _ in range(RENDERERS))


def stop_renderer() -> None:
    while _RENDERER:
        _RENDERER.pop().close()


def svg(chart: alt.TopLevelMixin) -> str:
    """The chart as inline SVG, or, inside charts_aside with a renderer running, a placeholder for it."""
    spec = chart.configure(font=FONT).configure_view(stroke=None).to_dict()
    if _RENDERER and _ASIDE:
        placeholder = f"<!--chart {len(_ASIDE[-1])}-->"  # `<` never survives escaping in page text
        _ASIDE[-1][placeholder] = spec, _RENDERER[next(_NEXT) % len(_RENDERER)].submit(spec)
        return placeholder
    return render(spec)


_ID = re.compile(r'(?<=\s)(id="|href="#)|url\(#')


def own_ids(drawing: str, prefix: str) -> str:
    """The SVG with its element ids (and the references to them) prefixed: vl-convert numbers a legend's
    gradients per process, so two renderers' charts in one page would share ids, and a chart would show
    another's legend colours."""
    return _ID.sub(lambda m: m.group(0) + prefix, drawing)


@contextmanager
def charts_aside() -> Iterator[Callable[[str], str]]:
    """Charts made inside this block are drawn in the renderer processes, when they run; yields `fill`,
    which puts the drawings into the page in place of their placeholders (waiting for them; a chart whose
    renderer ended is drawn here)."""
    pending: dict[str, tuple[dict, Future]] = {}
    _ASIDE.append(pending)

    def fill(html: str) -> str:
        for number, (placeholder, (spec, drawing)) in enumerate(pending.items()):
            try:
                drawn_svg = drawing.result()
            except RendererGone:
                drawn_svg = render(spec)
            html = html.replace(placeholder, own_ids(drawn_svg, f"c{number}-"), 1)
        return html

    try:
        yield fill
    finally:
        _ASIDE.remove(pending)


def drawn(make: Callable[..., str]) -> Callable[..., str]:
    """A chart of no points (every value suppressed) is a sentence, not empty axes."""
    @functools.wraps(make)
    def chart(frame: pd.DataFrame, *args, **kwargs) -> str:
        if frame.empty:
            return "<p class='note'>Nothing to draw: every value is suppressed or there is none yet.</p>"
        return make(frame, *args, **kwargs)
    return chart


@drawn
def share_by_la(frame: pd.DataFrame, region_share: float | None, title: str) -> str:
    """Bars: a share per LA; a rule at the region's share."""
    bars = alt.Chart(frame).mark_bar(color="#1f4e78").encode(
        x=alt.X("share:Q", title=title, axis=alt.Axis(format="%"), scale=alt.Scale(domain=[0, 1])),
        y=alt.Y("la_name:N", title=None, sort="x"))
    labels = bars.mark_text(align="left", dx=3).encode(text=alt.Text("share:Q", format=".0%"))
    layers = [bars, labels]
    if region_share is not None:
        rule = alt.Chart(pd.DataFrame({"share": [region_share], "label": ["region"]}))
        layers += [rule.mark_rule(color="#c00000", strokeDash=[4, 3]).encode(x="share:Q"),
                   rule.mark_text(color="#c00000", dy=-6, align="left", dx=3, baseline="bottom").encode(
                       x="share:Q", text="label:N", y=alt.value(0))]
    return svg(alt.layer(*layers).properties(width=WIDTH, height=28 * max(len(frame), 1)))


@drawn
def lines_by_la(frame: pd.DataFrame, value: str, title: str, fmt: str = "d", period: str = "Referral quarter") -> str:
    """One line per LA over periods; missing (suppressed) points break nothing, they are left out."""
    chart = alt.Chart(frame).mark_line(point=True).encode(
        x=alt.X("quarter:O", title=period),
        y=alt.Y(f"{value}:Q", title=title, axis=alt.Axis(format=fmt)),
        color=alt.Color("la_name:N", title="LA"))
    return svg(chart.properties(width=WIDTH, height=260))


@drawn
def cost_index(frame: pd.DataFrame) -> str:
    """Bars: cost index per LA with the placements counted beside each; a rule at 1.00 (the region)."""
    base = alt.Chart(frame).encode(y=alt.Y("la_name:N", title=None, sort="-x"))
    bars = base.mark_bar(color="#1f4e78").encode(x=alt.X("cost_index:Q", title="Cost index (region = 1.00)"))
    labels = base.mark_text(align="left", dx=3).encode(x="cost_index:Q", text="label:N")
    one = alt.Chart(pd.DataFrame({"x": [1.0]})).mark_rule(color="#c00000", strokeDash=[4, 3]).encode(x="x:Q")
    return svg(alt.layer(bars, labels, one).properties(width=WIDTH, height=28 * max(len(frame), 1)))


@drawn
def median_cost(frame: pd.DataFrame) -> str:
    """Median weekly cost over quarters, a line per need band, a panel per placement type."""
    chart = alt.Chart(frame).mark_line(point=True).encode(
        x=alt.X("placement_quarter:O", title="Placement quarter"),
        y=alt.Y("median_weekly_cost:Q", title="Median weekly cost (£)", axis=alt.Axis(format=",.0f")),
        color=alt.Color("need_band:N", title="Need band"),
    ).properties(width=260, height=200).facet(column=alt.Column("placement_type:N", title=None))
    return svg(chart)


@drawn
def waterfall(frame: pd.DataFrame, title: str) -> str:
    """Start, the four effects, end: each effect a floating bar from the running total."""
    chart = alt.Chart(frame).encode(x=alt.X("step:N", sort=list(frame["step"]), title=None))
    bars = chart.mark_bar().encode(
        y=alt.Y("low:Q", title="Weekly cost of new placements (£)", axis=alt.Axis(format=",.0f"),
                scale=alt.Scale(zero=False)),
        y2="high:Q",
        color=alt.Color("kind:N", scale=alt.Scale(domain=["total", "increase", "decrease"],
                                                  range=["#1f4e78", "#c00000", "#2e7d32"]), legend=None))
    labels = chart.mark_text(dy=-6).encode(y="high:Q", text="label:N")
    return svg(alt.layer(bars, labels).properties(width=300, height=260, title=title))


@drawn
def forecast_fan(frame: pd.DataFrame) -> str:
    """History, forecast, 80% and 95% intervals; a panel per preferred placement type."""
    base = alt.Chart().encode(x=alt.X("month:T", title=None, axis=alt.Axis(format="%b %Y")))
    band95 = base.mark_area(opacity=0.25, color="#1f4e78").encode(
        y=alt.Y("forecast_lower_95:Q", title="Referrals a month"), y2="forecast_upper_95:Q")
    band80 = base.mark_area(opacity=0.4, color="#1f4e78").encode(y="forecast_lower_80:Q", y2="forecast_upper_80:Q")
    forecast = base.mark_line(color="#1f4e78", strokeDash=[4, 3]).encode(y="forecast:Q")
    history = base.mark_line(color="#1b1b1b", point=True).encode(y="referrals:Q")
    chart = alt.layer(band95, band80, forecast, history, data=frame).properties(width=WIDTH, height=160)
    return svg(chart.facet(row=alt.Row("preferred_placement_type:N", title=None)))


@drawn
def heat_map(frame: pd.DataFrame, value: str, title: str, fmt: str, scheme: str) -> str:
    """LA x quarter, coloured by `value`, the value printed in each cell; a suppressed cell stays blank.
    A national map (thousands of cells) is colour only: the values are in the table under it, and printing
    each one made the page megabytes larger and took seconds to draw."""
    # only the columns drawn: the page's table carries the rest, and every column is copied into the
    # specification for each of thousands of cells
    base = alt.Chart(frame[["quarter", "la_name", value]]).encode(
        x=alt.X("quarter:O", title="Quarter reported"), y=alt.Y("la_name:N", title=None))
    cells = base.mark_rect().encode(color=alt.Color(f"{value}:Q", title=title, scale=alt.Scale(scheme=scheme)))
    layers = [cells]
    if len(frame) <= LABELLED_CELLS:
        layers.append(base.mark_text(fontSize=10).encode(text=alt.Text(f"{value}:Q", format=fmt)))
    return svg(alt.layer(*layers).properties(width=WIDTH, height=28 * max(frame["la_name"].nunique(), 1)))
