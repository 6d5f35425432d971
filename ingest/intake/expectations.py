"""The expectation gate: Great Expectations 1.x suites generated from the rule catalogue and the contract.

One `ExpectationGate` is created per run and reused for every file, so GX's import and context
start-up (seconds) is paid once; files of one version are validated together in one batch. Rules
that compare fields or need a normalised value run on helper columns derived here (named
`<field>__<purpose>`), so every row-level rule is still an expectation in the suite. GX results
carry cell values; only row keys are read back.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ingest.intake.findings import Finding
from ingest.standard.contract import Contract, Rule, VersionContract

ROW_KEY_FACTOR = 10_000_000  # row_key = file index * factor + row number: unique across a batch


@dataclass(frozen=True)
class Check:
    """One expectation of the suite and the finding it produces for each failing row."""

    code: str
    field: str  # the field the finding names
    column: str  # the frame column the expectation runs on
    expectation: str  # GX expectation class name
    kwargs: tuple[tuple[str, Any], ...] = ()
    helper: tuple[Any, ...] | None = None  # how to derive `column` when it is a helper column


def _selected(rule: Rule, version: VersionContract, present: set[str]) -> list[str]:
    selector = rule.fields
    if selector == "required":
        names = [f.name for f in version.fields if f.required == "yes" and f.canonical.section != "risks"]
    elif selector == "risks":
        names = [f.name for f in version.fields if f.required == "yes" and f.canonical.section == "risks"]
    elif selector == "categorical":
        names = [f.name for f in version.fields if f.canonical.vocabulary]
    elif selector == "with_placement":
        # the actual-placement block only: QA dates of a placement are not part of it
        names = [f.name for f in version.fields
                 if f.required == "with_placement" and f.canonical.section == "placement"]
    elif selector == "with_min":
        names = [f.name for f in version.fields if f.canonical.min is not None]
    else:
        names = list(selector or ())
    return [n for n in names if n in present]


def checks_for(contract: Contract, version: VersionContract, present: set[str], today: dt.date) -> list[Check]:
    """The expectations that the catalogue implies for one version, given the columns present."""
    checks: list[Check] = []
    present = present | {c.name for c in contract.derived}  # conform derives these for every file
    for rule in contract.rules.values():
        if rule.check is None:
            continue
        fields = _selected(rule, version, present)
        add = checks.append
        if rule.check == "not_null":
            for f in fields:
                add(Check(rule.code, f, f, "ExpectColumnValuesToNotBeNull"))
        elif rule.check == "in_vocabulary":
            for f in fields:
                canonical = contract.field(f)
                values = tuple(contract.canonical_values(canonical.vocabulary or ""))
                if canonical.type == "category_list":
                    add(Check(rule.code, f, f"{f}__off_list", "ExpectColumnValuesToBeInSet",
                              (("value_set", (False,)),), ("off_list", f, values)))
                else:
                    add(Check(rule.code, f, f, "ExpectColumnValuesToBeInSet", (("value_set", values),)))
        elif rule.check == "between":
            for f in fields:
                low = rule.args.min if rule.args.min is not None else contract.field(f).min
                bounds = tuple((k, v) for k, v in (("min_value", low), ("max_value", rule.args.max)) if v is not None)
                add(Check(rule.code, f, f"{f}__number", "ExpectColumnValuesToBeBetween", bounds, ("number", f)))
        elif rule.check == "pattern":  # on the value as conform normalised it (identity.py)
            for f in fields:
                add(Check(rule.code, f, f, "ExpectColumnValuesToMatchRegex", (("regex", rule.args.pattern),)))
        elif rule.check == "other_has_text":
            for f, companion in rule.pairs.items():
                if f in present and companion in present:
                    add(Check(rule.code, companion, f"{f}__other_without_text", "ExpectColumnValuesToBeInSet",
                              (("value_set", (False,)),), ("other_without_text", f, companion)))
        elif rule.check == "all_or_none" and fields:
            add(Check(rule.code, fields[0], "placement__incomplete", "ExpectColumnValuesToBeInSet",
                      (("value_set", (False,)),), ("incomplete", tuple(fields))))
        elif rule.check == "not_future":
            for f in fields:
                add(Check(rule.code, f, f"{f}__days_after_check", "ExpectColumnValuesToBeBetween",
                          (("max_value", 0),), ("days_after", f, today.toordinal())))
        elif rule.check in {"not_before", "not_above"} and len(fields) == 2:
            first, second = fields  # not_before: later, earlier; not_above: part, whole
            kind = "day" if rule.check == "not_before" else "number"
            column_a, column_b = (first, second) if rule.check == "not_before" else (second, first)
            add(Check(rule.code, first, f"{column_a}__{kind}", "ExpectColumnPairValuesAToBeGreaterThanB",
                      (("column_B", f"{column_b}__{kind}"), ("or_equal", True),
                       ("ignore_row_if", "either_value_is_missing")), ("pair", kind, column_a, column_b)))
        elif rule.check == "components_within_total" and "total_weekly_cost" in fields and len(fields) > 1:
            parts = tuple(f for f in fields if f != "total_weekly_cost")
            add(Check(rule.code, "total_weekly_cost", "cost__components_over_total", "ExpectColumnValuesToBeInSet",
                      (("value_set", (False,)),), ("components_over_total", parts)))
        elif rule.check == "unique_in_file" and fields and ({"child_id", "placement_id"} & present):
            # unique per file, so the batch column is file index + identity; the finding names the id column
            shown = "child_id" if "child_id" in present else "placement_id"
            add(Check(rule.code, shown, f"{fields[0]}__in_file", "ExpectColumnValuesToBeUnique", (),
                      ("in_file", fields[0])))
    return checks


def _number(series: pd.Series) -> pd.Series:
    return pd.to_numeric(series.map(lambda v: None if v is None else float(v)), errors="coerce")


def _day(series: pd.Series) -> pd.Series:
    """Dates as day numbers (proleptic ordinal, as date.toordinal), vectorised; blank is NaN."""
    days = pd.to_datetime(series, errors="coerce").to_numpy(dtype="datetime64[D]").astype("int64")
    ordinal = pd.Series(days + dt.date(1970, 1, 1).toordinal(), index=series.index, dtype="float64")
    return ordinal.where(series.notna())


def _has_other(value: Any) -> bool:
    if isinstance(value, list):
        return "Other" in value
    return value == "Other"


def with_helpers(contract: Contract, frame: pd.DataFrame, checks: list[Check]) -> pd.DataFrame:
    """The frame GX sees: the conformed columns plus the helper columns the checks need."""
    out = frame.copy()
    for name in (c.name for c in contract.stored_columns):
        if name not in out.columns:
            out[name] = None
    for check in checks:
        h = check.helper
        if h is None or check.column in out.columns:
            continue
        kind = h[0]
        if kind == "off_list":
            allowed = set(h[2])
            out[check.column] = frame[h[1]].map(
                lambda items, allowed=allowed: None if not isinstance(items, list) else not allowed.issuperset(items))
        elif kind == "number":
            out[check.column] = _number(out[h[1]])
        elif kind == "other_without_text":
            out[check.column] = [_has_other(v) and (t is None) for v, t in zip(out[h[1]], out[h[2]], strict=True)]
        elif kind == "incomplete":
            filled = out[list(h[1])].notna()
            out[check.column] = filled.any(axis=1) & ~filled.all(axis=1)
        elif kind == "days_after":
            out[check.column] = _day(out[h[1]]) - h[2]
        elif kind == "pair":
            for col in h[2:]:
                out[f"{col}__{h[1]}"] = _number(out[col]) if h[1] == "number" else _day(out[col])
        elif kind == "components_over_total":
            parts = sum(_number(out[p]).fillna(0) for p in h[1])
            any_part = out[list(h[1])].notna().any(axis=1)
            total = _number(out["total_weekly_cost"])
            out[check.column] = any_part & total.notna() & (parts > total + 0.005)
        elif kind == "in_file":
            out[check.column] = out["file_index"].astype(str) + "|" + out[h[1]].astype("string")
    return out


def _blank_fields(frame: pd.DataFrame, row: int, fields: tuple[str, ...]) -> list[str]:
    record = frame.loc[frame["source_row"] == row].iloc[0]
    return [f for f in fields if f in record and (record[f] is None or record[f] is pd.NA or
                                                  (isinstance(record[f], float) and pd.isna(record[f])))]


def _suite_frame(contract: Contract, combined: pd.DataFrame, checks: list[Check]) -> pd.DataFrame:
    """Only the columns the suite reads, and no list cells: GX copies the batch per metric and fingerprints
    it (hash_pandas_object, or a pickle of the whole frame when a cell is unhashable, such as a list), so
    a slim, hashable frame is several times faster to validate."""
    columns = ["row_key", *dict.fromkeys(c.column for c in checks)]
    for c in checks:
        columns += [v for k, v in c.kwargs if k == "column_B"]
    frame = combined[list(dict.fromkeys(columns))].copy()
    for c in contract.stored_columns:
        if c.type == "category_list" and c.name in frame.columns:
            frame[c.name] = [tuple(v) if isinstance(v, list) else v for v in frame[c.name]]
    return frame


class ExpectationGate:
    def __init__(self, contract: Contract, today: dt.date | None = None):
        os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
        import great_expectations as gx  # slow import: only when a gate is actually built

        logging.getLogger("great_expectations").setLevel(logging.WARNING)
        from great_expectations.data_context.types.base import ProgressBarsConfig

        self._gx = gx
        self._contract = contract
        self.today = today or dt.date.today()
        self._context = gx.get_context(mode="ephemeral")
        self._context.variables.progress_bars = ProgressBarsConfig(globally=False)
        source = self._context.data_sources.add_pandas("intake")
        self._batches = source.add_dataframe_asset("submission").add_batch_definition_whole_dataframe("rows")
        self._suites: dict[tuple[str, tuple[Check, ...]], Any] = {}

    def suite(self, version: VersionContract, checks: list[Check]):
        key = (version.version, tuple(checks))
        if key not in self._suites:
            suite = self._gx.ExpectationSuite(name=f"placements-{version.version}-{len(self._suites)}")
            for index, c in enumerate(checks):
                expectation_class = getattr(self._gx.expectations, c.expectation)
                kwargs = {k: (list(v) if isinstance(v, tuple) else v) for k, v in c.kwargs}
                column_kw = "column_A" if c.expectation == "ExpectColumnPairValuesAToBeGreaterThanB" else "column"
                suite.add_expectation(expectation_class(**{column_kw: c.column}, **kwargs, meta={"check": index}))
            self._suites[key] = self._context.suites.add(suite)
        return self._suites[key]

    def validate(
        self, version: VersionContract, parts: list[tuple[pd.DataFrame, dict[str, str]]]
    ) -> list[tuple[list[Finding], dict[str, Any]]]:
        """Validate several files of one version in one GX run. `parts` are (conformed frame, where each
        present field sits in the file) per file; returns (findings, value-free summary) per file."""
        present = set().union(*(set(where) for _, where in parts)) if parts else set()
        checks = checks_for(self._contract, version, present, self.today)
        out: list[tuple[list[Finding], dict[str, Any]]] = [([], {}) for _ in parts]
        frames = [f for f, _ in parts if len(f)]
        if not frames or not checks:
            return out
        combined = pd.concat(frames, ignore_index=True)
        combined["file_index"] = np.repeat([i for i, (f, _) in enumerate(parts) if len(f)], [len(f) for f in frames])
        combined["row_key"] = combined["file_index"] * ROW_KEY_FACTOR + combined["source_row"]
        combined = with_helpers(self._contract, combined, checks)
        batch = self._batches.get_batch(batch_parameters={"dataframe": _suite_frame(self._contract, combined, checks)})
        # The whole suite decides pass or fail per expectation (cheap); only the expectations that failed
        # are asked again for their failing rows (the costly part), by row key.
        verdict = batch.validate(self.suite(version, checks), result_format={"result_format": "BOOLEAN_ONLY"})
        failing = [checks[r.expectation_config.meta["check"]] for r in verdict.results if not r.success]
        results = []
        if failing:
            results = batch.validate(
                self.suite(version, failing),
                result_format={"result_format": "COMPLETE", "unexpected_index_column_names": ["row_key"],
                               "partial_unexpected_count": 0},
            ).results
        later_copies: set[int] = set()
        for check in checks:
            if check.helper and check.helper[0] == "in_file":
                identity = combined[check.column]
                later_copies |= set(combined.loc[identity.notna() & identity.duplicated(keep="first"), "row_key"])
        labels = {f.name: f.label for f in version.fields}
        failed: list[set[str]] = [set() for _ in parts]
        catalogue = self._contract.rules
        for r in results:
            if r.success:
                continue
            check = failing[r.expectation_config.meta["check"]]
            rule = catalogue[check.code]
            for item in r.result.get("unexpected_index_list") or []:  # only the key is read: no values
                key = int(item["row_key"])
                if check.expectation == "ExpectColumnValuesToBeUnique" and key not in later_copies:
                    continue  # the first occurrence of a duplicated referral stands
                file_index, row = divmod(key, ROW_KEY_FACTOR)
                where = parts[file_index][1]
                if check.field not in where and check.code in {"R001", "R010"}:
                    continue  # absent from this file: not collected, not missing
                failed[file_index].add(f"{check.code}:{check.field}")
                field, message = check.field, None
                if check.helper and check.helper[0] == "incomplete":  # name the blank placement columns
                    blank = _blank_fields(parts[file_index][0], row, check.helper[1])
                    field = blank[0] if blank else field
                    message = f"placement details incomplete: blank {', '.join(labels[b] for b in blank)}."
                label = labels.get(field, field)
                out[file_index][0].append(
                    Finding(check.code, rule.severity, message or f"{label}: {rule.title.lower()}.", row=row,
                            column=where.get(field), field=field, label=label)
                )
        for i, (_, summary) in enumerate(out):
            summary.update(expectations=len(checks), failed_expectations=len(failed[i]), success=not failed[i])
        return out
