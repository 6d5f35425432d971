"""The standard as data: the typed loader of the contract in this folder.

`canonical.yaml` (the canonical model), one file per version of the standard and `rules.yaml` (the rule
catalogue) are read into frozen pydantic models. Every model forbids unknown keys and names its allowed
values, so a typo (`requred:`) or a value outside the vocabulary of the contract fails at load with the
file and the key, instead of being read silently as "no". Cross-file references (a version naming a
field the canonical model lacks, a rule naming an unknown field, a spelling for a value that does not
exist) are checked here too.

Everything that knows field names, headers or controlled values (readers, conform, the expectation
suite, the raw zone's columns, dbt's staging model and accepted values, the blank template, the reports)
asks this module rather than repeating the lists.
"""

from __future__ import annotations

import re
from functools import cache, cached_property, lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, model_validator

STANDARD_DIR = Path(__file__).resolve().parent
VERSION_FILES = ("template-2026.yaml", "v2.yaml", "jsonld-2026.yaml")

ColumnType = Literal["string", "integer", "money", "boolean", "date", "category", "category_list",
                     "timestamp", "string_list"]
Sensitivity = Literal["identifier", "officer", "free_text", "none"]
Section = Literal["availability", "requirements", "recommendation", "risks", "placement", "quality"]
Format = Literal["csv", "xlsx", "json"]
Required = Literal["yes", "no", "with_placement"]
Check = Literal["not_null", "in_vocabulary", "between", "pattern", "other_has_text", "all_or_none", "not_future",
                "not_before", "not_above", "components_within_total", "unique_in_file"]
FieldSelector = Literal["required", "risks", "categorical", "with_placement", "with_min"]

_NOT_KEY_CHARS = re.compile(r"[^a-z0-9<>]+")


@lru_cache(maxsize=1 << 16)  # the same headers and spellings recur in every file
def spelling_key(text: str) -> str:
    """Match key for headers and values: case, spaces and punctuation (bar < and >) do not matter."""
    return _NOT_KEY_CHARS.sub("", str(text).lower())


class ContractError(ValueError):
    """The contract files are inconsistent or misspelt: the message names the file and the key."""


def _yaml_yes_no(value: Any) -> Any:
    """YAML 1.1 reads `yes`/`no` as booleans; the contract means the words."""
    if value is True:
        return "yes"
    if value is False or value is None:
        return "no"
    return value


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Column(_Strict):
    """A column of the raw zone: a field of the standard, a derived column or a lineage column."""

    name: str
    type: ColumnType
    description: str
    sensitivity: Sensitivity = "none"
    section: Section | None = None
    vocabulary: str | None = None
    min: float | None = None
    staging: Literal["keep", "drop", "pseudonymise", "presence"] | None = None
    as_: str | None = Field(default=None, alias="as")

    @model_validator(mode="after")
    def _consistent(self) -> Column:
        if self.type in {"category", "category_list"} and not self.vocabulary:
            raise ValueError(f"{self.name}: a {self.type} needs a vocabulary")
        if self.vocabulary and self.type not in {"category", "category_list"}:
            raise ValueError(f"{self.name}: only category fields have a vocabulary")
        exposure = self.staging_exposure
        allowed = {"none": {"keep", "drop"}, "officer": {"drop"}, "free_text": {"drop"},
                   "identifier": {"pseudonymise", "presence", "drop"}}[self.sensitivity]
        if exposure not in allowed:
            raise ValueError(f"{self.name}: sensitivity {self.sensitivity} cannot be '{exposure}' in staging")
        if exposure in {"pseudonymise", "presence"} and not self.as_:
            raise ValueError(f"{self.name}: staging '{exposure}' needs `as`, the staging column's name")
        return self

    @property
    def staging_exposure(self) -> str:
        """What dbt's staging model does with the column: keep, drop, pseudonymise or presence."""
        if self.staging:
            return self.staging
        return "keep" if self.sensitivity == "none" else ("drop" if self.sensitivity != "identifier" else "")

    @property
    def restricted(self) -> bool:
        """Identifiers, officer names and free text: never echoed in reports or metadata."""
        return self.sensitivity != "none"


class CanonicalFile(_Strict):
    sections: dict[Section, str]
    vocabularies: dict[str, dict[str, tuple[str, ...] | None]]
    fields: tuple[Column, ...]
    derived: tuple[Column, ...]
    lineage: tuple[Column, ...]

    @model_validator(mode="after")
    def _sections_given(self) -> CanonicalFile:
        for f in self.fields:
            if f.section is None:
                raise ValueError(f"field {f.name}: every field of the standard has a section")
        return self


class Layout(_Strict):
    columns: int
    without: tuple[str, ...] = ()


class BlankTemplate(_Strict):
    layout: str
    data_rows: int = 1000


class VersionFieldSpec(_Strict):
    headers: tuple[str, ...] = Field(min_length=1)
    required: Annotated[Required, BeforeValidator(_yaml_yes_no)]
    invert: bool = False
    spellings: dict[str, tuple[str, ...]] = {}


class VersionFile(_Strict):
    version: str
    aliases: tuple[str, ...] = ()
    label: str
    formats: tuple[Format, ...]
    sheet: str | None = None
    header_row: int = 1
    first_data_row: int = 2
    layouts: dict[str, Layout] = {}
    blank_template: BlankTemplate | None = None
    top_level: tuple[str, ...] = ()
    sections: dict[Section, str] = {}
    fields: dict[str, VersionFieldSpec]


class RuleArgs(_Strict):
    min: float | None = None
    max: float | None = None
    pattern: str | None = None


class Rule(_Strict):
    code: str = Field(pattern=r"^[FRW]\d{3}$")
    severity: Literal["error", "warning"]
    scope: Literal["file", "row", "across_rows"]
    title: str
    hint: str
    check: Check | None = None
    fields: FieldSelector | tuple[str, ...] | None = None
    args: RuleArgs = RuleArgs()
    pairs: dict[str, str] = {}


class RulesFile(_Strict):
    rules: dict[str, dict[str, Any]]


# --- the loaded contract: versions bound to the canonical model


class VersionField:
    """A canonical field as one version of the standard asks for it."""

    def __init__(self, canonical: Column, spec: VersionFieldSpec):
        self.canonical = canonical
        self.headers = spec.headers
        self.required = spec.required
        self.invert = spec.invert
        self.spellings = spec.spellings

    @property
    def name(self) -> str:
        return self.canonical.name

    @property
    def label(self) -> str:
        return self.headers[0]

    def __repr__(self) -> str:
        return f"VersionField({self.name})"


class VersionContract:
    def __init__(self, spec: VersionFile, fields: tuple[VersionField, ...]):
        self.spec = spec
        self.fields = fields
        self.header_index = {spelling_key(h): f for f in fields for h in f.headers}
        self._by_name = {f.name: f for f in fields}

    version = property(lambda self: self.spec.version)
    label = property(lambda self: self.spec.label)
    aliases = property(lambda self: self.spec.aliases)
    formats = property(lambda self: self.spec.formats)
    sheet = property(lambda self: self.spec.sheet)
    header_row = property(lambda self: self.spec.header_row)
    first_data_row = property(lambda self: self.spec.first_data_row)
    layouts = property(lambda self: self.spec.layouts)

    def field_for_header(self, header: str) -> VersionField | None:
        return self.header_index.get(spelling_key(header))

    @property
    def field_names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)

    def get(self, name: str) -> VersionField | None:
        return self._by_name.get(name)

    def layout_fields(self, layout: str | None) -> list[VersionField]:
        """The fields in the column order of one layout (all of them when the version has no layouts)."""
        without = set(self.layouts[layout].without) if layout in self.layouts else set()
        return [f for f in self.fields if f.name not in without]

    def __repr__(self) -> str:
        return f"VersionContract({self.version})"


class Contract:
    """The canonical model, every accepted version of the standard and the rule catalogue."""

    def __init__(self, canonical: CanonicalFile, versions: tuple[VersionContract, ...], rules: dict[str, Rule]):
        self.sections = canonical.sections
        self.fields = canonical.fields
        self.derived = canonical.derived
        self.lineage = canonical.lineage
        self.vocabularies = {name: {value: tuple(s or ()) for value, s in values.items()}
                             for name, values in canonical.vocabularies.items()}
        self.versions = versions
        self.rules = rules
        self._by_name = {c.name: c for c in (*self.fields, *self.derived, *self.lineage)}

    def field(self, name: str) -> Column:
        return self._by_name[name]

    @property
    def field_names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)

    @property
    def stored_columns(self) -> tuple[Column, ...]:
        """Every column of a raw row after conform: the standard's fields, then the derived columns."""
        return (*self.fields, *self.derived)

    @property
    def raw_columns(self) -> tuple[Column, ...]:
        """Every column of raw.placements, in order: lineage, fields, derived."""
        return (*self.lineage, *self.fields, *self.derived)

    def version(self, name_or_alias: str) -> VersionContract:
        key = spelling_key(name_or_alias)
        for v in self.versions:
            if key in {spelling_key(a) for a in (v.version, *v.aliases)}:
                return v
        raise KeyError(f"unknown version of the standard: {name_or_alias!r}")

    def canonical_values(self, vocabulary: str) -> tuple[str, ...]:
        return tuple(self.vocabularies[vocabulary])

    @cached_property
    def sheets(self) -> tuple[str, ...]:
        """Sheet names the versions put their data on (a workbook's sheet with this name wins ties)."""
        return tuple(v.sheet for v in self.versions if v.sheet)

    def value_lookup(self, vf: VersionField) -> dict[str, str]:
        """Spelling key -> canonical value for one field of one version."""
        vocab = self.vocabularies[vf.canonical.vocabulary or ""]
        lookup: dict[str, str] = {}
        for canonical, spellings in vocab.items():
            for s in (canonical, *spellings, *vf.spellings.get(canonical, ())):
                lookup[spelling_key(s)] = canonical
        return lookup

    def rule(self, code: str) -> Rule:
        return self.rules[code]


def _read(directory: Path, name: str) -> Any:
    path = directory / name
    try:
        return yaml.safe_load(path.read_text("utf-8"))
    except yaml.YAMLError as exc:
        raise ContractError(f"{path}: not valid YAML: {exc}") from exc


def _parse(model: type[BaseModel], data: Any, path: Path) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or '(top level)'}: {e['msg']}" for e in exc.errors()
        )
        raise ContractError(f"{path}: {problems}") from None


def _check(condition: bool, path: Path, message: str) -> None:
    if not condition:
        raise ContractError(f"{path}: {message}")


def load_contract_from(directory: Path) -> Contract:
    """Load and cross-check every contract file in `directory`."""
    canonical_path = directory / "canonical.yaml"
    canonical: CanonicalFile = _parse(CanonicalFile, _read(directory, "canonical.yaml"), canonical_path)
    columns = {c.name: c for c in (*canonical.fields, *canonical.derived, *canonical.lineage)}
    _check(len(columns) == len(canonical.fields) + len(canonical.derived) + len(canonical.lineage),
           canonical_path, "a column name is used twice")
    for c in columns.values():
        _check(c.vocabulary is None or c.vocabulary in canonical.vocabularies, canonical_path,
               f"{c.name}: vocabulary {c.vocabulary} is not defined under vocabularies")

    versions = []
    for file_name in VERSION_FILES:
        path = directory / file_name
        spec: VersionFile = _parse(VersionFile, _read(directory, file_name), path)
        fields = []
        for name, field_spec in spec.fields.items():
            _check(name in {f.name for f in canonical.fields}, path, f"fields.{name}: not in the canonical model")
            column = columns[name]
            for value in field_spec.spellings:
                _check(column.vocabulary is not None and value in canonical.vocabularies[column.vocabulary], path,
                       f"fields.{name}.spellings.{value}: not a canonical value of the field's vocabulary")
            fields.append(VersionField(column, field_spec))
        for layout_name, layout in spec.layouts.items():
            for name in layout.without:
                _check(name in spec.fields, path, f"layouts.{layout_name}.without: {name} is not a field here")
        if spec.blank_template:
            _check(spec.blank_template.layout in spec.layouts, path,
                   f"blank_template.layout: {spec.blank_template.layout} is not a layout")
        for name in spec.top_level:
            _check(name in spec.fields, path, f"top_level: {name} is not a field here")
        versions.append(VersionContract(spec, tuple(fields)))

    rules_path = directory / "rules.yaml"
    raw_rules: RulesFile = _parse(RulesFile, _read(directory, "rules.yaml"), rules_path)
    rules: dict[str, Rule] = {}
    for code, body in raw_rules.rules.items():
        rule: Rule = _parse(Rule, {"code": code, **(body or {})}, rules_path)
        named = [*(rule.fields if isinstance(rule.fields, tuple) else ()), *rule.pairs, *rule.pairs.values()]
        for name in named:
            _check(name in columns, rules_path, f"rules.{code}: {name} is not a column of the canonical model")
        _check(rule.scope != "file" or rule.check is None, rules_path, f"rules.{code}: file rules have no check")
        rules[code] = rule
    return Contract(canonical, tuple(versions), rules)


@cache
def load_contract() -> Contract:
    """The project's contract (this folder), loaded once per process."""
    return load_contract_from(STANDARD_DIR)

