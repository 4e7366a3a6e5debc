"""``conf/sources.yaml``: bronze tables, file layouts and header aliases."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, model_validator

from bansos360.config import Strict

LINEAGE_COLUMNS = [
    "_run_id", "_source", "_source_file", "_source_sha256", "_sheet", "_row_number",
    "_period", "_program", "_ingested_at",
]


def normalize_header(text: str) -> str:
    """Header key ignoring case, spaces, underscores, dots, dashes, slashes: 'No. KK' -> 'nokk'."""
    return re.sub(r"[\s_.\-/\\()'\"]+", "", str(text).strip().lower())


class TableSpec(Strict):
    partition: Literal["_period", "_program"]
    description: str
    columns: list[str] = Field(min_length=1)

    @model_validator(mode="after")
    def _snake_case_unique(self):
        bad = [c for c in self.columns if not re.fullmatch(r"[a-z][a-z0-9_]*", c)]
        if bad:
            raise ValueError(f"column names must be snake_case: {bad}")
        dup = {c for c in self.columns if self.columns.count(c) > 1}
        if dup:
            raise ValueError(f"duplicate columns {sorted(dup)}")
        return self


class Defaults(Strict):
    header_search_rows: int = Field(25, ge=1, le=500)
    min_header_matches: int = Field(3, ge=1)
    total_markers: list[str] = ["jumlah", "total"]


class SourceSpec(Strict):
    table: str
    kind: Literal["dtks", "kpm", "disabilitas", "usulan"]
    discover: str = Field(description="glob under the raw folder, for `ingest all`")
    zip_member: str | None = None
    required: list[str] = Field(min_length=1)
    columns: dict[str, list[str]] = {}
    region_columns: dict[Literal["prov", "kab"], str] = {}
    period_column: str | None = None
    sheets_exclude: list[str] = []


class SourcesConfig(Strict):
    tables: dict[str, TableSpec]
    defaults: Defaults = Defaults()
    sources: dict[str, SourceSpec]

    @model_validator(mode="after")
    def _cross_references(self):
        for name, src in self.sources.items():
            if src.table not in self.tables:
                raise ValueError(f"source {name}: unknown table {src.table!r}")
            cols = set(self.tables[src.table].columns)
            used = set(src.columns) | set(src.required) | set(src.region_columns.values())
            if src.period_column:
                used.add(src.period_column)
            unknown = sorted(used - cols)
            if unknown:
                raise ValueError(f"source {name}: columns {unknown} are not in table {src.table}")
            if src.kind == "dtks" and not src.zip_member:
                raise ValueError(f"source {name}: a dtks source needs zip_member")
        return self

    def matcher(self, source: str) -> HeaderMatcher:
        """The header matcher of ``source``."""
        src = self.sources[source]
        return HeaderMatcher(self.tables[src.table].columns, src.columns)


class HeaderMatcher:
    """Maps raw header cells to canonical columns.

    Exact (case-insensitive) spellings win over normalized ones, so ``HubKRT`` (a text label) and
    ``Hub_KRT`` (a code) stay apart even though they normalize alike; a normalized key claimed by
    two columns is ambiguous and matches nothing.
    """

    def __init__(self, columns: list[str], aliases: dict[str, list[str]]):
        self.columns = list(columns)
        self.exact: dict[str, str] = {}
        loose: dict[str, set[str]] = {}
        for col in self.columns:
            for spelling in [col, *aliases.get(col, [])]:
                self.exact.setdefault(spelling.strip().lower(), col)
                loose.setdefault(normalize_header(spelling), set()).add(col)
        self.loose = {k: next(iter(v)) for k, v in loose.items() if len(v) == 1}

    def match(self, header: str | None) -> str | None:
        """Canonical column for one header cell, or None."""
        if header is None or str(header).strip() == "":
            return None
        text = str(header).strip()
        return self.exact.get(text.lower()) or self.loose.get(normalize_header(text))

    def map_header(self, cells: list) -> dict[int, str]:
        """Position -> canonical column for a header row; the first of two cells claiming a column wins."""
        mapping, taken = {}, set()
        for i, cell in enumerate(cells):
            col = self.match(cell)
            if col and col not in taken:
                mapping[i] = col
                taken.add(col)
        return mapping
