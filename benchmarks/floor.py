"""The floor: the least work that still answers the backfill's question, written by hand for speed.

Over a landing folder (<LA code>/<file>): read every file with the fastest readers (calamine for xlsx, the
csv module, orjson), keep the fields the contract requires, then one DuckDB script loads everything,
counts missing required fields and values outside the vocabulary, and computes the like-for-like medians
(weekly cost by placement type and quarter). No reports, no audit trail, no pseudonymisation, no
all-or-nothing per file: what the product does on top of this is its cost, and `make bench` prints the
ratio. Only the contract (field names, headers, spellings) is shared with the product, not its code.
"""

from __future__ import annotations

import csv
import io
import time
from pathlib import Path
from typing import Any

import duckdb
import orjson
import pandas as pd
from python_calamine import CalamineWorkbook

from ingest.standard.contract import load_contract

CONTRACT = load_contract()
CATEGORICAL = ("category", "category_list")
# Every field some version requires, plus what the medians need.
FIELDS = sorted({f.name for v in CONTRACT.versions for f in v.fields if f.required != "no"})
KEPT = ("la", "version", *FIELDS)


def _version_of(headers: list[Any]) -> tuple[Any, dict[int, str]] | None:
    """The version whose headers match most cells, and column index -> canonical field name."""
    best = None
    for version in CONTRACT.versions:
        columns = {}
        for i, header in enumerate(headers):
            vf = version.field_for_header(str(header)) if header is not None else None
            if vf is not None and vf.name in FIELDS:
                columns[i] = vf.name
        if columns and (best is None or len(columns) > len(best[1])):
            best = (version, columns)
    return best


def _rows(path: Path) -> tuple[list[Any], list[list[Any]]] | None:
    """Header cells and data rows of one file (header: the best of the first 10 rows)."""
    suffix = path.suffix.lower()
    if suffix == ".json" or suffix == ".jsonld":
        doc = orjson.loads(path.read_bytes())
        records = doc.get("@graph", doc) if isinstance(doc, dict) else doc
        flat = [_flatten(r, {}) for r in ([records] if isinstance(records, dict) else records)]
        headers = list(dict.fromkeys(k for r in flat for k in r))
        return headers, [[r.get(h) for h in headers] for r in flat]
    if suffix == ".xlsx":
        book = CalamineWorkbook.from_path(str(path))
        name = next((s for s in book.sheet_names if s in CONTRACT.sheets), book.sheet_names[0])
        grid = book.get_sheet_by_name(name).to_python(skip_empty_area=False)
    elif suffix == ".csv":
        text = path.read_bytes().decode("utf-8-sig", errors="replace")
        delimiter = ";" if text.split("\n", 1)[0].count(";") > text.split("\n", 1)[0].count(",") else ","
        grid = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    else:
        return None
    scored = [(len(_version_of(row)[1]) if _version_of(row) else 0, -i) for i, row in enumerate(grid[:10])]
    _, at = max(scored, default=(0, 0))
    return grid[-at], grid[-at + 1:]


def _flatten(record: dict, out: dict) -> dict:
    for key, value in record.items():
        if isinstance(value, dict) and "@value" not in value:
            _flatten(value, out)
        elif not key.startswith("@"):
            value = value.get("@value") if isinstance(value, dict) else value
            if isinstance(value, str) and ("#" in value or ":" in value[:12]):
                value = value.rsplit("#", 1)[-1].rsplit(":", 1)[-1]  # an IRI's local name
            out[key] = "|".join(map(str, value)) if isinstance(value, list) else value
    return out


def _lookup_frame() -> pd.DataFrame:
    """(version, field, spelling key, canonical value) for every categorical field of every version."""
    rows = [(v.version, f.name, key, value)
            for v in CONTRACT.versions for f in v.fields if f.name in FIELDS and f.canonical.type in CATEGORICAL
            for key, value in CONTRACT.value_lookup(f).items()]
    return pd.DataFrame(rows, columns=["version", "field", "spelling", "value"])


SCRIPT = """
create table cells as select * from frame;
create table vocab as select * from lookup;
create table required as select * from required_fields;
create table checks as
    select 'missing ' || c.field as check_name, count(*) as n
    from (unpivot cells on {required} into name field value v) c
    join required r on r.version = c.version and r.field = c.field
    where trim(v) = '' group by all;
insert into checks select 'not in vocabulary', count(*) from (
    select version, field, v from (unpivot cells on {categorical} into name field value v)
    union all
    select version, field, unnest(regexp_split_to_array(v, '[;,|\n\r]+')) as v
    from (unpivot cells on {lists} into name field value v)) c
    where trim(v) <> '' and not exists (
        select 1 from vocab l where l.version = c.version and l.field = c.field
        and l.spelling = regexp_replace(lower(c.v), '[^a-z0-9<>]+', '', 'g'));
create table medians as
    select l.value as placement_type, year(d) * 10 + quarter(d) as quarter,
           median(try_cast(regexp_replace(total_weekly_cost, '[£, ]', '', 'g') as decimal(14, 3))) as median_cost
    from (select *, coalesce(try_strptime(left(referral_date, 10), '%Y-%m-%d'),
                             try_strptime(referral_date, '%d/%m/%Y')) as d from cells) c
    join vocab l on l.version = c.version and l.field = 'placement_type'
        and l.spelling = regexp_replace(lower(c.placement_type), '[^a-z0-9<>]+', '', 'g')
    where total_weekly_cost is not null and d is not null
    group by all;
"""


def run_floor(landing: Path) -> dict[str, Any]:
    """Seconds, rows read, files unreadable, problems found (by check) and the median weekly cost by
    (placement type, year * 10 + quarter of referral) over `landing`."""
    started = time.perf_counter()
    columns: dict[str, list[Any]] = {name: [] for name in KEPT}
    unreadable = 0
    for path in sorted(p for p in landing.glob("*/*") if p.is_file()):
        try:
            read = _rows(path)
        except Exception:  # damaged files: the product reports them; the floor only counts them
            unreadable += 1
            continue
        matched = _version_of(read[0]) if read else None
        if matched is None:
            unreadable += 1
            continue
        version, mapping = matched
        rows = read[1]
        if rows and sum(isinstance(c, str) and len(c) > 25 for c in rows[0]) > len(rows[0]) / 4:
            rows = rows[1:]  # the template's description row under the headers
        width = len(read[0])
        picks = [(mapping.get(i), i) for i in range(width)]
        for row in rows:
            if not any(c is not None and str(c).strip() for c in row):
                continue
            record = dict.fromkeys(FIELDS)
            for name, i in picks:
                if name and i < len(row) and row[i] is not None:
                    record[name] = str(row[i])
            columns["la"].append(path.parent.name)
            columns["version"].append(version.version)
            for name in FIELDS:
                columns[name].append(record[name])
    frame = pd.DataFrame(columns, dtype="string").fillna("")
    frame["total_weekly_cost"] = frame["total_weekly_cost"].replace("", None)
    lookup = _lookup_frame()
    categorical = [f for f in FIELDS if CONTRACT.field(f).type == "category"]
    lists = [f for f in FIELDS if CONTRACT.field(f).type == "category_list"]
    required = [f for f in FIELDS if f in {v.name for ver in CONTRACT.versions for v in ver.fields
                                           if v.required == "yes"}]
    con = duckdb.connect()
    con.register("frame", frame)
    con.register("lookup", lookup)
    con.register("required_fields", pd.DataFrame(
        [(v.version, f.name) for v in CONTRACT.versions for f in v.fields if f.required == "yes"],
        columns=["version", "field"]))
    con.execute(SCRIPT.format(required=", ".join(required), categorical=", ".join(categorical),
                              lists=", ".join(lists)))
    problems = dict(con.execute(
        "select check_name, sum(n)::bigint from checks group by all having sum(n) > 0").fetchall())
    medians = {(kind, quarter): cost for kind, quarter, cost in con.execute("select * from medians").fetchall()}
    con.close()
    return {"seconds": time.perf_counter() - started, "rows": len(frame), "unreadable": unreadable,
            "problems": problems, "medians": medians}


if __name__ == "__main__":
    import sys

    result = run_floor(Path(sys.argv[1]))
    print(f"{result['seconds']:.1f} s, {result['rows']:,} rows, {result['unreadable']} unreadable, "
          f"{len(result['medians'])} median cells")
    print(sum(result["problems"].values()), "problems;", result["problems"].get("not in vocabulary", 0),
          "values not in the vocabulary")
