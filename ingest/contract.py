"""The standard as data: load the canonical model and the per-version contracts.

Everything that knows field names, headers or controlled values (readers, the expectation suite,
dbt's accepted values, the blank template) asks this module rather than repeating the lists.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

import yaml

CONTRACT_PACKAGE = "ingest.standard"
VERSION_FILES = ("template-2026.yaml", "v2.yaml", "jsonld-2026.yaml")

_NOT_KEY_CHARS = re.compile(r"[^a-z0-9<>]+")


def spelling_key(text: str) -> str:
    """Match key for headers and values: case, spaces and punctuation (bar < and >) do not matter."""
    return _NOT_KEY_CHARS.sub("", str(text).lower())


@dataclass(frozen=True)
class CanonicalField:
    name: str
    section: str
    type: str
    description: str
    sensitivity: str = "none"
    vocabulary: str | None = None
    min: float | None = None

    @property
    def restricted(self) -> bool:
        """Identifiers, officer names and free text: never echoed in reports or metadata."""
        return self.sensitivity in {"identifier", "officer", "free_text"}


@dataclass(frozen=True)
class VersionField:
    canonical: CanonicalField
    headers: tuple[str, ...]
    required: str  # "yes" | "with_placement" | "no"
    invert: bool = False
    spellings: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.canonical.name

    @property
    def label(self) -> str:
        return self.headers[0]


@dataclass(frozen=True)
class VersionContract:
    version: str
    label: str
    aliases: tuple[str, ...]
    fields: tuple[VersionField, ...]
    formats: tuple[str, ...] = ("csv", "xlsx")
    sheet: str | None = None
    header_row: int = 1
    first_data_row: int = 2
    layouts: dict[str, Any] = field(default_factory=dict)

    header_index: dict[str, VersionField] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        index = {spelling_key(h): f for f in self.fields for h in f.headers}
        object.__setattr__(self, "header_index", index)

    def field_for_header(self, header: str) -> VersionField | None:
        return self.header_index.get(spelling_key(header))

    @property
    def field_names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)

    def get(self, name: str) -> VersionField | None:
        return next((f for f in self.fields if f.name == name), None)


@dataclass(frozen=True)
class Contract:
    """The canonical model plus every version of the standard that is accepted."""

    fields: tuple[CanonicalField, ...]
    vocabularies: dict[str, dict[str, tuple[str, ...]]]
    versions: tuple[VersionContract, ...]

    def field(self, name: str) -> CanonicalField:
        return next(f for f in self.fields if f.name == name)

    @property
    def field_names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)

    def version(self, name_or_alias: str) -> VersionContract:
        key = spelling_key(name_or_alias)
        for v in self.versions:
            if key in {spelling_key(a) for a in (v.version, *v.aliases)}:
                return v
        raise KeyError(f"unknown version of the standard: {name_or_alias!r}")

    def canonical_values(self, vocabulary: str) -> tuple[str, ...]:
        return tuple(self.vocabularies[vocabulary])

    def value_lookup(self, vf: VersionField) -> dict[str, str]:
        """Spelling key -> canonical value for one field of one version."""
        vocab = self.vocabularies[vf.canonical.vocabulary or ""]
        lookup: dict[str, str] = {}
        for canonical, spellings in vocab.items():
            for s in (canonical, *spellings, *vf.spellings.get(canonical, ())):
                lookup[spelling_key(s)] = canonical
        return lookup


def _read_yaml(name: str) -> dict[str, Any]:
    return yaml.safe_load(resources.files(CONTRACT_PACKAGE).joinpath(name).read_text("utf-8"))


def _required(value: Any) -> str:
    if value is True:
        return "yes"
    if value is False or value is None:
        return "no"
    return str(value)


@cache
def load_contract() -> Contract:
    canonical = _read_yaml("canonical.yaml")
    vocabularies = {
        name: {str(value): tuple(str(s) for s in spellings or ()) for value, spellings in values.items()}
        for name, values in canonical["vocabularies"].items()
    }
    fields = tuple(CanonicalField(**f) for f in canonical["fields"])
    by_name = {f.name: f for f in fields}
    for f in fields:
        if f.vocabulary and f.vocabulary not in vocabularies:
            raise ValueError(f"field {f.name} names unknown vocabulary {f.vocabulary}")

    versions = []
    for file_name in VERSION_FILES:
        doc = _read_yaml(file_name)
        vfields = []
        for name, spec in doc["fields"].items():
            if name not in by_name:
                raise ValueError(f"{file_name}: {name} is not in the canonical model")
            vfields.append(
                VersionField(
                    canonical=by_name[name],
                    headers=tuple(str(h) for h in spec["headers"]),
                    required=_required(spec.get("required")),
                    invert=bool(spec.get("invert", False)),
                    spellings={k: tuple(v) for k, v in (spec.get("spellings") or {}).items()},
                )
            )
        versions.append(
            VersionContract(
                version=doc["version"],
                label=doc["label"],
                aliases=tuple(str(a) for a in doc.get("aliases", ())),
                formats=tuple(doc.get("formats", ("csv", "xlsx"))),
                fields=tuple(vfields),
                sheet=doc.get("sheet"),
                header_row=int(doc.get("header_row", 1)),
                first_data_row=int(doc.get("first_data_row", 2)),
                layouts=doc.get("layouts") or {},
            )
        )
    return Contract(fields=fields, vocabularies=vocabularies, versions=tuple(versions))


def vocabulary_rows(contract: Contract) -> list[tuple[str, str, str]]:
    """(field, vocabulary, canonical value) for every categorical field: the warehouse copy that
    dbt's accepted-values tests read, so the lists are never written twice."""
    return [
        (f.name, f.vocabulary, value)
        for f in contract.fields
        if f.vocabulary
        for value in contract.vocabularies[f.vocabulary]
    ]
