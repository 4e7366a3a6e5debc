"""DTKS code lists (``conf/codes.yaml``) and Spark expressions that decode coded columns.

Bronze keeps every value as delivered text: ``"1"``, ``"01"``, ``" 1 "``, ``"1.0"`` (a number cell
of Excel) or, in some distributions, the label itself (``"Ya"``, ``"Ya+"``, ``"Kepala keluarga"``,
``"Tinggal di Ruta"``). :func:`lookup_key` turns all of them into one lookup key, and the lists become
literal Spark maps (``create_map`` + ``element_at``): no join, no Python UDF, so decoding a column
costs one map lookup per row.

Unknown codes decode to a null label; :func:`code_valid` says whether a non-null raw value was a
known code (null when the raw value is null or blank), so quality rules can count invalid codes.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from pydantic import Field, field_validator, model_validator
from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from bansos360.config import Strict, default_conf_dir, load_yaml_model
from bansos360.errors import BansosError

CODES_FILE = "codes.yaml"
YA, TIDAK = "Ya", "Tidak"

_CODE_RE = re.compile(r"^(0|[1-9][0-9]*)$")
# Whitespace class shared by the Python and the Spark side of text normalization (NBSP included:
# it comes with copy-paste from web tables).
_WS = r"[\s\u00a0]+"


class CodeListError(BansosError):
    """A code list is not configured, or a column to decode is missing."""


def text_key(text: str) -> str:
    """Python twin of the text branch of :func:`lookup_key`: trimmed, spaces collapsed, lower case."""
    return re.sub(_WS, " ", text).strip().lower()


# --------------------------------------------------------------------------- models
class CodeList(Strict):
    """One coded variable: its label, ``code -> label`` and optional text aliases."""

    label: str = Field(min_length=1, description="Indonesian variable label for dashboards")
    codes: dict[str, str] = Field(min_length=1, description="code (digits, no leading zeros) -> label")
    yes_no: bool = Field(default=False, description="codes mean Ya/Tidak: silver adds a boolean <col>_ya")
    aliases: dict[str, str] = Field(default_factory=dict, description="text seen instead of a code -> code")

    @field_validator("label")
    @classmethod
    def _label_not_blank(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("label is blank")
        return v.strip()

    @field_validator("codes", mode="before")
    @classmethod
    def _codes_are_digit_strings(cls, v):
        if not isinstance(v, dict):
            return v
        for code, label in v.items():
            if not isinstance(code, str):
                raise ValueError(f"code {code!r} must be a quoted string (write \"{code}\" in YAML)")
            if not _CODE_RE.match(code):
                raise ValueError(f"code {code!r} must be digits without leading zeros (e.g. \"1\", \"10\")")
            if not isinstance(label, str) or not label.strip():
                raise ValueError(f"code {code!r} has an empty label")
            if label.strip().isdigit():
                raise ValueError(f"code {code!r}: label {label!r} is only digits (labels are text)")
        return {code: label.strip() for code, label in v.items()}

    @field_validator("aliases", mode="before")
    @classmethod
    def _aliases_are_text(cls, v):
        if not isinstance(v, dict):
            return v
        seen: dict[str, str] = {}
        for alias, code in v.items():
            if not isinstance(alias, str) or not alias.strip():
                raise ValueError(f"alias {alias!r} must be non-empty text")
            if re.fullmatch(r"[0-9]+([.,]0+)?", alias.strip()):
                raise ValueError(f"alias {alias!r} looks like a code; put codes under `codes`")
            if not isinstance(code, str):
                raise ValueError(f"alias {alias!r}: code {code!r} must be a quoted string")
            key = text_key(alias)
            if key in seen and seen[key] != code:
                raise ValueError(f"alias {alias!r} maps to {code!r} but the same text maps to {seen[key]!r}")
            seen[key] = code
        return v

    @model_validator(mode="after")
    def _consistent(self):
        unknown = {a: c for a, c in self.aliases.items() if c not in self.codes}
        if unknown:
            raise ValueError(f"aliases point to codes that are not in `codes`: {unknown}")
        if self.yes_no:
            labels = set(self.codes.values())
            if YA not in labels or TIDAK not in labels:
                raise ValueError(f"yes_no list needs a code labelled {YA!r} and one labelled {TIDAK!r}")
        return self

    def key_to_code(self) -> dict[str, str]:
        """Every accepted lookup key -> canonical code.

        Keys are the codes, the lower-cased labels (a label used by several codes, as ``Ya`` for 1
        and 3, goes to the smallest code) and the lower-cased aliases, which win over labels.
        """
        out: dict[str, str] = {code: code for code in self.codes}
        for code in sorted(self.codes, key=int, reverse=True):  # smallest code written last, wins
            out[text_key(self.codes[code])] = code
        for alias, code in self.aliases.items():
            out[text_key(alias)] = code
        return out

    def yes_codes(self) -> set[str]:
        """Codes labelled ``Ya``."""
        return {c for c, lab in self.codes.items() if lab == YA}

    def no_codes(self) -> set[str]:
        """Codes labelled ``Tidak``."""
        return {c for c, lab in self.codes.items() if lab == TIDAK}


class CodeLists(Strict):
    """``conf/codes.yaml``: one :class:`CodeList` per canonical bronze column."""

    lists: dict[str, CodeList] = Field(min_length=1)

    @field_validator("lists")
    @classmethod
    def _names_are_snake_case(cls, v):
        bad = [k for k in v if not re.fullmatch(r"[a-z][a-z0-9_]*", k)]
        if bad:
            raise ValueError(f"list names must be lower snake case bronze column names, got {bad}")
        return v

    def __getitem__(self, name: str) -> CodeList:
        try:
            return self.lists[name]
        except KeyError:
            raise CodeListError(f"no code list {name!r} in {CODES_FILE} (known: {sorted(self.lists)})") from None

    def __contains__(self, name: object) -> bool:
        return name in self.lists

    def names(self) -> list[str]:
        """Names of the configured lists, in file order."""
        return list(self.lists)


def load_codes(conf_dir: Path | str | None = None) -> CodeLists:
    """Load and validate ``<conf_dir>/codes.yaml``; errors name the file and the key.

    ``conf_dir`` defaults to :func:`bansos360.config.default_conf_dir`.
    """
    conf_dir = Path(conf_dir) if conf_dir is not None else default_conf_dir()
    return load_yaml_model(conf_dir / CODES_FILE, CodeLists)


# --------------------------------------------------------------------------- expressions
def _col(col: str | Column) -> Column:
    return F.col(col) if isinstance(col, str) else col


def _literal_map(mapping: Mapping[str, object]) -> Column:
    # create_map of literals: Spark folds it into a constant, lookups are a hash probe per row.
    # Keys are unique (dict), so spark.sql.mapKeyDedupPolicy=EXCEPTION never fires.
    return F.create_map(*[F.lit(x) for kv in mapping.items() for x in kv])


def lookup_key(col: str | Column) -> Column:
    """The lookup key of a raw code cell: canonical digits, or lower-cased text; null when blank.

    ``" 01 "``, ``"1.0"``, ``"1,00"`` and ``"'1"`` (Excel apostrophe) all give ``"1"``; ``"0"`` and
    ``"00"`` give ``"0"``. Anything else is trimmed, its inner whitespace collapsed and lower-cased
    (``"Tinggal  di Ruta"`` -> ``"tinggal di ruta"``), to be matched against labels and aliases.
    """
    trimmed = F.regexp_replace(_col(col), r"^[\s\u00a0']+|[\s\u00a0]+$", "")
    digits = F.regexp_extract(trimmed, r"^0*([0-9]+?)(?:[.,]0+)?$", 1)
    text = F.lower(F.regexp_replace(trimmed, _WS, " "))
    return F.when(trimmed == "", F.lit(None).cast("string")).when(digits != "", digits).otherwise(text)


def _lookup(mapping: Mapping[str, object], col: str | Column) -> Column:
    """``mapping[lookup_key(col)]``, probing the raw cell first: a cell that already equals a key
    (clean DTKS codes nearly always do) gives the same answer without the regex normalization,
    which was most of the decoding time (8.9 s for ~17 columns of a 300 k-row ART period)."""
    m = _literal_map(mapping)
    return F.coalesce(F.try_element_at(m, _col(col)), F.element_at(m, lookup_key(col)))


def canonical_code(col: str | Column, codelist: CodeList) -> Column:
    """The canonical code (string) of a raw cell, from a code or an alias/label text; null if unknown."""
    return _lookup(codelist.key_to_code(), col)


def decode(col: str | Column, codelist: CodeList) -> Column:
    """Indonesian label of a raw code cell; null for null/blank and for unknown codes.

    Accepts codes with leading zeros or a ``.0`` suffix, and alias or label text (case-insensitive).
    Pair it with :func:`code_valid` to tell "blank" from "unknown code".
    """
    labels = {key: codelist.codes[code] for key, code in codelist.key_to_code().items()}
    return _lookup(labels, col)


def code_valid(col: str | Column, codelist: CodeList) -> Column:
    """True when a raw cell holds a known code or alias, false when not; null when the cell is null/blank."""
    key = lookup_key(col)
    known = F.element_at(_literal_map(codelist.key_to_code()), key).isNotNull()
    return F.when(key.isNotNull(), known)


def yes_no(col: str | Column, codelist: CodeList) -> Column:
    """Boolean of a Ya/Tidak flag: true for codes labelled Ya (1 or 3), false for Tidak (2 or 4).

    Null for null/blank cells, unknown codes and codes with another label (``sta_hamil`` 0).
    Raises :class:`CodeListError` for a list without ``yes_no: true``.
    """
    if not codelist.yes_no:
        raise CodeListError(f"code list {codelist.label!r} is not a yes_no list")
    yes, no = codelist.yes_codes(), codelist.no_codes()
    flags = {key: (code in yes) for key, code in codelist.key_to_code().items() if code in yes | no}
    return _lookup(flags, col)


def with_decoded(
    columns: Sequence[str] | Mapping[str, str], codes: CodeLists
) -> Callable[[DataFrame], DataFrame]:
    """Transformation adding ``<col>_label`` (and ``<col>_ya`` for yes_no lists) for each column.

    ``columns`` is a list of column names, each decoded with the list of the same name, or a mapping
    ``column -> list name`` (e.g. ``{"hubkrt_label": "hub_krt"}``). Unknown lists raise
    :class:`CodeListError` at once; missing columns raise it when the transformation is applied.
    Raw columns are kept unchanged.
    """
    pairs = dict(columns) if isinstance(columns, Mapping) else {c: c for c in columns}
    lists = {col: codes[name] for col, name in pairs.items()}  # fail fast on an unknown list

    def _transform(df: DataFrame) -> DataFrame:
        missing = [c for c in lists if c not in df.columns]
        if missing:
            raise CodeListError(f"columns to decode are missing from the DataFrame: {missing}")
        new: dict[str, Column] = {}
        for col, codelist in lists.items():
            new[f"{col}_label"] = decode(col, codelist)
            if codelist.yes_no:
                new[f"{col}_ya"] = yes_no(col, codelist)
        return df.withColumns(new)

    return _transform
