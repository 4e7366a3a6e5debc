"""Administrative areas of Trenggalek: ``silver.ref_wilayah`` and matching of raw rows to desa.

Two ways in:

* DTKS rows carry BPS codes (``KDKEC``/``KDDESA``, 3 digits each, often without leading zeros):
  :func:`with_wilayah_from_bps` pads and joins them.
* Program files (KPM lists, disability register, usulan) carry kecamatan and desa *names*:
  :func:`with_wilayah_from_names` normalizes them with :func:`place_key`, applies the known
  variants of ``conf/wilayah_aliases.yaml`` and matches within the kecamatan. A desa name that
  exists in two kecamatan is never resolved without a usable kecamatan ('ambiguous'), and a name
  that matches nothing is never guessed ('unmatched').

Every join is against a small static table (157 desa) and is broadcast. The reference CSVs are
package data (``bansos360/reference_data``). Kemendagri and BPS numbering differ: codes are always
taken from the ``kode_bps`` column of the reference, never derived by arithmetic.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Sequence
from functools import lru_cache
from importlib import resources
from pathlib import Path

from pydantic import Field, field_validator, model_validator
from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql import types as T

from bansos360.config import Strict, default_conf_dir, load_yaml_model
from bansos360.errors import BansosError

WILAYAH_CSV = "wilayah_trenggalek.csv"
KECAMATAN_CSV = "kecamatan_trenggalek.csv"
ALIASES_FILE = "wilayah_aliases.yaml"

# Columns added by the with_wilayah_* transformations.
OUTPUT_COLUMNS = ("kode_bps", "kode_kemendagri", "nama_kecamatan", "nama_desa", "wilayah_match")
# wilayah_match values. Matched: exact, normalized, alias, fuzzy, desa_only, bps_code.
MATCHED = ("exact", "normalized", "alias", "fuzzy", "desa_only", "bps_code")
NOT_MATCHED = ("ambiguous", "unmatched")

REF_WILAYAH_SCHEMA = T.StructType(
    [T.StructField(name, T.StringType(), nullable=False) for name in (
        "kode_bps", "kode_kemendagri", "kode_kec_bps", "kd_kec_bps", "kd_desa_bps", "kode_kec_kemendagri",
        "nik_kec_prefix", "nama_kecamatan", "nama_desa", "jenis", "kec_key", "desa_key")]
)
REF_KECAMATAN_SCHEMA = T.StructType(
    [T.StructField(name, T.StringType(), nullable=False) for name in (
        "kode_kec_bps", "kd_kec_bps", "kode_kec_kemendagri", "nik_kec_prefix", "nama_kecamatan", "kec_key")]
    + [T.StructField(name, T.IntegerType(), nullable=False) for name in (
        "jumlah_desa_kelurahan", "jumlah_desa", "jumlah_kelurahan")]
)


class WilayahError(BansosError):
    """The reference data is inconsistent, or a matching input is unusable."""


# --------------------------------------------------------------------------- name normalization
# Administrative prefixes at the start of a name, possibly repeated ("Desa Ds. X"). Without a dot
# they must end at a word boundary, so "Kelutan" keeps its "kel".
_PREFIX_RE = r"^[\s\u00a0]*(?:(?:desa|ds|kel|kec|kelurahan|kecamatan)(?:\.|\b)[\s\u00a0]*)+"
_DROP_RE = r"[\s\u00a0.\-'’`]"


def place_key(col: str | Column) -> Column:
    """Normalized key of a kecamatan/desa name, for matching; null when nothing is left.

    Lower case; the prefixes ``desa``, ``ds``/``ds.``, ``kel.``, ``kelurahan``, ``kec.``,
    ``kecamatan`` removed at the start; spaces, dots, hyphens and apostrophes removed.
    ``SUKO WETAN``, ``Sukowetan`` and ``Ds. Suko-Wetan`` all give ``sukowetan``.
    """
    c = F.col(col) if isinstance(col, str) else col
    key = F.regexp_replace(F.regexp_replace(F.lower(c), _PREFIX_RE, ""), _DROP_RE, "")
    return F.when(key != "", key)


def place_key_text(text: str | None) -> str | None:
    """Python twin of :func:`place_key` (same regular expressions), used to build the lookup tables."""
    if text is None:
        return None
    key = re.sub(_DROP_RE, "", re.sub(_PREFIX_RE, "", text.lower()))
    return key or None


# --------------------------------------------------------------------------- reference (package data)
def _read_csv(name: str) -> list[dict[str, str]]:
    text = resources.files("bansos360").joinpath("reference_data", name).read_text(encoding="utf-8")
    return list(csv.DictReader(io.StringIO(text)))


@lru_cache(maxsize=1)
def desa_rows() -> tuple[dict[str, str], ...]:
    """The 157 desa/kelurahan of the package reference as dicts with the ``silver.ref_wilayah`` columns.

    ``kec_key``/``desa_key`` come from :func:`place_key_text`. Raises :class:`WilayahError` when a
    code in the CSV does not have the documented shape.
    """
    out = []
    for r in _read_csv(WILAYAH_CSV):
        bps, dagri, kec_dagri = r["kode_bps"], r["kode_kemendagri"], r["kode_kecamatan"]
        if not (re.fullmatch(r"3503\d{6}", bps) and re.fullmatch(r"35\.03\.\d{2}\.\d{4}", dagri)
                and dagri.startswith(kec_dagri + ".")):
            raise WilayahError(f"{WILAYAH_CSV}: unexpected codes in row {r}")
        out.append({
            "kode_bps": bps,
            "kode_kemendagri": dagri,
            "kode_kec_bps": bps[:7],
            "kd_kec_bps": bps[4:7],
            "kd_desa_bps": bps[7:10],
            "kode_kec_kemendagri": kec_dagri,
            "nik_kec_prefix": "3503" + kec_dagri[-2:],
            "nama_kecamatan": r["nama_kecamatan"],
            "nama_desa": r["nama_desa"],
            "jenis": r["jenis"],
            "kec_key": place_key_text(r["nama_kecamatan"]),
            "desa_key": place_key_text(r["nama_desa"]),
        })
    return tuple(out)


@lru_cache(maxsize=1)
def kecamatan_rows() -> tuple[dict[str, object], ...]:
    """The 14 kecamatan of the package reference as dicts with the ``ref_kecamatan`` columns."""
    out = []
    for r in _read_csv(KECAMATAN_CSV):
        bps, dagri = r["kode_bps"], r["kode_kemendagri"]
        if not (re.fullmatch(r"3503\d{3}", bps) and re.fullmatch(r"35\.03\.\d{2}", dagri)):
            raise WilayahError(f"{KECAMATAN_CSV}: unexpected codes in row {r}")
        out.append({
            "kode_kec_bps": bps,
            "kd_kec_bps": bps[4:7],
            "kode_kec_kemendagri": dagri,
            "nik_kec_prefix": "3503" + dagri[-2:],
            "nama_kecamatan": r["nama_kecamatan"],
            "kec_key": place_key_text(r["nama_kecamatan"]),
            "jumlah_desa_kelurahan": int(r["jumlah_desa_kelurahan"]),
            "jumlah_desa": int(r["jumlah_desa"]),
            "jumlah_kelurahan": int(r["jumlah_kelurahan"]),
        })
    return tuple(out)


def _frame(spark: SparkSession, rows: Sequence[dict], schema: T.StructType) -> DataFrame:
    return spark.createDataFrame([tuple(r[f.name] for f in schema.fields) for r in rows], schema)


def ref_wilayah(spark: SparkSession) -> DataFrame:
    """``silver.ref_wilayah``: one row per desa/kelurahan (157), codes in both systems and name keys.

    Columns: ``kode_bps`` (10 digits), ``kode_kemendagri`` (``35.03.KK.NNNN``), ``kode_kec_bps``
    (7 digits), ``kd_kec_bps`` / ``kd_desa_bps`` (3 digits each, as in DTKS KDKEC/KDDESA),
    ``kode_kec_kemendagri`` (``35.03.KK``), ``nik_kec_prefix`` (``3503KK``, the kecamatan part of
    NIK/KK numbers), ``nama_kecamatan``, ``nama_desa``, ``jenis`` (desa/kelurahan), ``kec_key``,
    ``desa_key`` (:func:`place_key` of the names).
    """
    return _frame(spark, desa_rows(), REF_WILAYAH_SCHEMA)


def ref_kecamatan(spark: SparkSession) -> DataFrame:
    """One row per kecamatan (14): BPS and Kemendagri codes, NIK prefix, name, key and desa counts."""
    return _frame(spark, kecamatan_rows(), REF_KECAMATAN_SCHEMA)


# --------------------------------------------------------------------------- aliases (conf/wilayah_aliases.yaml)
def _kecamatan_by_key() -> dict[str, str]:
    return {r["kec_key"]: r["nama_kecamatan"] for r in kecamatan_rows()}


def _desa_in_kec(kec_key: str) -> dict[str, dict[str, str]]:
    return {r["desa_key"]: r for r in desa_rows() if r["kec_key"] == kec_key}


def _variant_list(v):
    if isinstance(v, list):
        for x in v:
            if not isinstance(x, str) or not x.strip():
                raise ValueError(f"variant {x!r} must be non-empty text")
            if place_key_text(x) is None:
                raise ValueError(f"variant {x!r} is empty after normalization")
    return v


class KabupatenNames(Strict):
    """The regency's name and the spellings seen in sources."""

    nama: str = Field(min_length=1)
    variants: list[str] = Field(default_factory=list)

    @field_validator("variants", mode="before")
    @classmethod
    def _check_variants(cls, v):
        return _variant_list(v)

    def keys(self) -> set[str]:
        """:func:`place_key_text` of the name and every variant."""
        return {k for k in map(place_key_text, [self.nama, *self.variants]) if k}


class KecamatanAlias(Strict):
    """Spellings of one reference kecamatan that normalization does not fix."""

    kecamatan: str = Field(description="reference kecamatan name")
    variants: list[str] = Field(min_length=1)

    @field_validator("variants", mode="before")
    @classmethod
    def _check_variants(cls, v):
        return _variant_list(v)

    @model_validator(mode="after")
    def _against_reference(self):
        kecs = _kecamatan_by_key()
        target = place_key_text(self.kecamatan)
        if target not in kecs:
            raise ValueError(f"kecamatan {self.kecamatan!r} is not in the reference ({sorted(kecs.values())})")
        for v in self.variants:
            k = place_key_text(v)
            if k == target:
                raise ValueError(f"variant {v!r} already matches {kecs[target]!r} after normalization; remove it")
            if k in kecs:
                raise ValueError(f"variant {v!r} is the name of another kecamatan ({kecs[k]!r})")
        return self


class DesaAlias(Strict):
    """Spellings of one reference desa (within its kecamatan) that normalization does not fix."""

    kecamatan: str = Field(description="reference kecamatan name")
    desa: str = Field(description="reference desa name")
    variants: list[str] = Field(min_length=1)

    @field_validator("variants", mode="before")
    @classmethod
    def _check_variants(cls, v):
        return _variant_list(v)

    @model_validator(mode="after")
    def _against_reference(self):
        kecs = _kecamatan_by_key()
        kec_key = place_key_text(self.kecamatan)
        if kec_key not in kecs:
            raise ValueError(f"kecamatan {self.kecamatan!r} is not in the reference ({sorted(kecs.values())})")
        desas = _desa_in_kec(kec_key)
        target = place_key_text(self.desa)
        if target not in desas:
            raise ValueError(f"desa {self.desa!r} is not in kecamatan {kecs[kec_key]!r} "
                             f"({sorted(r['nama_desa'] for r in desas.values())})")
        for v in self.variants:
            k = place_key_text(v)
            if k == target:
                raise ValueError(f"variant {v!r} already matches {self.desa!r} after normalization; remove it")
            if k in desas:
                raise ValueError(f"variant {v!r} is the name of another desa of {kecs[kec_key]!r} "
                                 f"({desas[k]['nama_desa']!r})")
        return self

    def kode_bps(self) -> str:
        """BPS code of the target desa."""
        return _desa_in_kec(place_key_text(self.kecamatan))[place_key_text(self.desa)]["kode_bps"]


class WilayahAliases(Strict):
    """``conf/wilayah_aliases.yaml``: name variants of the regency, its kecamatan and desa."""

    kabupaten: KabupatenNames | None = None
    kecamatan: list[KecamatanAlias] = Field(default_factory=list)
    desa: list[DesaAlias] = Field(default_factory=list)

    @model_validator(mode="after")
    def _no_conflicting_variants(self):
        seen: dict[str, tuple[str, str]] = {}
        for i, a in enumerate(self.kecamatan):
            for v in a.variants:
                k, target = place_key_text(v), place_key_text(a.kecamatan)
                if k in seen and seen[k][0] != target:
                    raise ValueError(f"kecamatan.{i}: variant {v!r} also names kecamatan {seen[k][1]!r}")
                seen[k] = (target, a.kecamatan)
        seen = {}
        for i, a in enumerate(self.desa):
            for v in a.variants:
                k, code = (place_key_text(a.kecamatan), place_key_text(v)), a.kode_bps()
                if k in seen and seen[k][0] != code:
                    raise ValueError(f"desa.{i}: variant {v!r} in {a.kecamatan!r} also names desa {seen[k][1]!r}")
                seen[k] = (code, a.desa)
        return self


def load_wilayah_aliases(conf_dir: Path | str | None = None) -> WilayahAliases:
    """Load and validate ``<conf_dir>/wilayah_aliases.yaml``; errors name the file and the key."""
    conf_dir = Path(conf_dir) if conf_dir is not None else default_conf_dir()
    return load_yaml_model(conf_dir / ALIASES_FILE, WilayahAliases)


def is_kabupaten(col: str | Column, aliases: WilayahAliases) -> Column:
    """True when a regency-name cell names Trenggalek (any configured spelling); null when blank."""
    if aliases.kabupaten is None:
        raise WilayahError(f"{ALIASES_FILE} has no `kabupaten` section")
    key = place_key(col)
    return F.when(key.isNotNull(), key.isin(sorted(aliases.kabupaten.keys())))


# --------------------------------------------------------------------------- lookup tables for name matching
_DESA_ARRAY = T.ArrayType(T.StructType([
    T.StructField("desa_key", T.StringType(), False),
    T.StructField("kode_bps", T.StringType(), False),
    T.StructField("via", T.StringType(), False),  # 'ref' or 'alias'
]), containsNull=False)
_KEC_LOOKUP_SCHEMA = T.StructType([
    T.StructField("_wil_kec_lookup", T.StringType(), False),   # key as written in the data
    T.StructField("_wil_kec_via", T.StringType(), False),      # 'key' or 'alias'
    T.StructField("_wil_desa_arr", _DESA_ARRAY, False),        # candidate desa of that kecamatan
])
_DESA_LOOKUP_SCHEMA = T.StructType([
    T.StructField("_wil_desa_lookup", T.StringType(), False),
    T.StructField("_wil_desa_n", T.IntegerType(), False),      # number of desa with that key in the regency
    T.StructField("_wil_desa_code", T.StringType(), True),     # kode_bps when unique
])


def _lookup_rows(aliases: WilayahAliases | None) -> tuple[list[tuple], list[tuple]]:
    """(kecamatan lookup rows, regency-wide desa lookup rows) of the reference plus aliases."""
    aliases = aliases or WilayahAliases()
    per_kec: dict[str, list[tuple[str, str, str]]] = {}
    for r in desa_rows():
        per_kec.setdefault(r["kec_key"], []).append((r["desa_key"], r["kode_bps"], "ref"))
    for a in aliases.desa:
        per_kec[place_key_text(a.kecamatan)] += [(place_key_text(v), a.kode_bps(), "alias") for v in a.variants]
    kec_rows = [(k, "key", arr) for k, arr in per_kec.items()]
    for a in aliases.kecamatan:
        kec_rows += [(place_key_text(v), "alias", per_kec[place_key_text(a.kecamatan)]) for v in a.variants]

    codes_by_key: dict[str, set[str]] = {}
    for arr in per_kec.values():
        for key, code, _ in arr:
            codes_by_key.setdefault(key, set()).add(code)
    desa_rows_ = [(k, len(c), next(iter(c)) if len(c) == 1 else None) for k, c in codes_by_key.items()]
    return kec_rows, desa_rows_


def _ref_attrs(spark: SparkSession) -> DataFrame:
    return ref_wilayah(spark).select(
        F.col("kode_bps").alias("_wil_kode_bps"), "kode_kemendagri", "nama_kecamatan", "nama_desa")


def _require(df: DataFrame, cols: Sequence[str]) -> None:
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise WilayahError(f"columns {missing} are missing from the DataFrame (has {df.columns})")


def _raw_name(col: str) -> str:
    return f"{col}_raw"


def _keep_raw(df: DataFrame, raw_cols: Sequence[str]) -> tuple[DataFrame, list[str]]:
    """Rename raw input columns that carry an output name (bronze ``nama_desa``) to ``<name>_raw``."""
    renamed = []
    for c in raw_cols:
        if c in OUTPUT_COLUMNS:
            if _raw_name(c) in df.columns:
                raise WilayahError(f"cannot keep raw column {c!r} as {_raw_name(c)!r}: that column exists")
            df = df.withColumnRenamed(c, _raw_name(c))
            c = _raw_name(c)
        renamed.append(c)
    return df, renamed


def _finish(df: DataFrame, code: Column, status: Callable[[], Column]) -> DataFrame:
    """Join the reference attributes on ``code``, compute the status, drop helpers, replace outputs."""
    spark = df.sparkSession
    df = df.drop(*[c for c in OUTPUT_COLUMNS if c in df.columns]).withColumn("_wil_code", code)
    df = df.join(F.broadcast(_ref_attrs(spark)), F.col("_wil_code") == F.col("_wil_kode_bps"), "left")
    df = df.withColumn("wilayah_match", status()).withColumnRenamed("_wil_kode_bps", "kode_bps")
    return df.drop(*[c for c in df.columns if c.startswith("_wil_")])


# --------------------------------------------------------------------------- transformations
def _code3(col: str) -> Column:
    """A BPS 3-digit code as delivered (``10``, ``010``, `` 1``, ``1.0``) zero-padded; null if not 1-3 digits."""
    digits = F.regexp_extract(F.trim(F.col(col)), r"^0*([0-9]{1,3})(?:\.0+)?$", 1)
    return F.when(digits != "", F.lpad(digits, 3, "0"))


def with_wilayah_from_bps(kdkec_col: str, kddesa_col: str) -> Callable[[DataFrame], DataFrame]:
    """Transformation matching DTKS rows on their BPS ``KDKEC``/``KDDESA`` (3 digits each).

    Codes are trimmed, a ``.0`` suffix dropped and zero-padded (``10``/``1`` -> ``010``/``001``), then
    joined (broadcast) to :func:`ref_wilayah`. Adds ``kode_bps``, ``kode_kemendagri``,
    ``nama_kecamatan``, ``nama_desa`` and ``wilayah_match`` ('bps_code' or 'unmatched'; codes are
    never guessed). Existing columns with those names are replaced.
    """

    def _transform(df: DataFrame) -> DataFrame:
        _require(df, [kdkec_col, kddesa_col])
        spark = df.sparkSession
        ref = ref_wilayah(spark).select(F.col("kd_kec_bps").alias("_wil_kec"), F.col("kd_desa_bps").alias("_wil_desa"),
                                        F.col("kode_bps").alias("_wil_ref_code"))
        df = df.withColumns({"_wil_k": _code3(kdkec_col), "_wil_d": _code3(kddesa_col)})
        df = df.join(F.broadcast(ref), (F.col("_wil_k") == F.col("_wil_kec")) & (F.col("_wil_d") == F.col("_wil_desa")),
                     "left")
        return _finish(df, F.col("_wil_ref_code"),
                       lambda: F.when(F.col("_wil_kode_bps").isNotNull(), "bps_code").otherwise("unmatched"))

    return _transform


def with_wilayah_from_names(
    kec_col: str,
    desa_col: str,
    aliases: WilayahAliases | None = None,
    *,
    fuzzy: bool = True,
    fuzzy_min_length: int = 6,
) -> Callable[[DataFrame], DataFrame]:
    """Transformation matching rows on kecamatan and desa NAMES (program files) to the reference.

    Steps, first hit wins; ``wilayah_match`` says which:

    * ``exact``: kecamatan and desa found by key, and the raw names (trimmed, upper case) equal the
      reference names;
    * ``normalized``: found by :func:`place_key` (``SUKO WETAN``, ``Ds. Karang Tengah``);
    * ``alias``: the kecamatan or the desa was found through ``conf/wilayah_aliases.yaml``;
    * ``fuzzy`` (when ``fuzzy``): within the matched kecamatan, the only reference desa at Levenshtein
      distance 1 of the key, for keys of at least ``fuzzy_min_length`` characters;
    * ``desa_only``: the kecamatan is missing or unknown, and the desa key is unique in the regency;
    * ``ambiguous``: the kecamatan is missing or unknown, and the desa name exists in several
      kecamatan (Besuki, Wonocoyo, Depok, ...): no code;
    * ``unmatched``: anything else (also a known kecamatan whose desa is not in it): no code.

    Adds ``kode_bps``, ``kode_kemendagri``, ``nama_kecamatan``, ``nama_desa`` (reference values, null
    unless matched) and ``wilayah_match``. A raw input column named like an output column (bronze
    ``nama_desa``) is kept as ``<name>_raw``; other existing output columns are replaced.
    All joins are broadcast joins against tables of at most a few hundred rows.
    """
    kec_rows, desa_lookup = _lookup_rows(aliases)

    def _transform(df: DataFrame) -> DataFrame:
        _require(df, [kec_col, desa_col])
        spark = df.sparkSession
        df, (kec_raw, desa_raw) = _keep_raw(df, [kec_col, desa_col])
        kec_t = spark.createDataFrame(kec_rows, _KEC_LOOKUP_SCHEMA)
        desa_t = spark.createDataFrame(desa_lookup, _DESA_LOOKUP_SCHEMA)

        df = df.withColumns({"_wil_kk": place_key(kec_raw), "_wil_dk": place_key(desa_raw)})
        df = df.join(F.broadcast(kec_t), F.col("_wil_kk") == F.col("_wil_kec_lookup"), "left")
        df = df.join(F.broadcast(desa_t), F.col("_wil_dk") == F.col("_wil_desa_lookup"), "left")

        dk = F.col("_wil_dk")
        arr = F.col("_wil_desa_arr")
        kec_ok = F.col("_wil_kec_via").isNotNull()
        # Within the kecamatan: a reference key wins over an alias variant (validation keeps them apart).
        same = F.filter(arr, lambda x: x["desa_key"] == dk)
        hit = F.coalesce(F.try_element_at(F.filter(same, lambda x: x["via"] == "ref"), F.lit(1)),
                         F.try_element_at(same, F.lit(1)))
        df = df.withColumn("_wil_hit", hit)
        if fuzzy:
            near = F.filter(arr, lambda x: (x["via"] == "ref") & (F.levenshtein(x["desa_key"], dk, 1) >= 0))
            df = df.withColumn("_wil_near", F.when(kec_ok & F.col("_wil_hit").isNull()
                                                   & (F.length(dk) >= fuzzy_min_length), near))
            fuzzy_hit = F.when(F.size("_wil_near") == 1, F.try_element_at("_wil_near", F.lit(1)))
        else:
            fuzzy_hit = F.lit(None).cast(_DESA_ARRAY.elementType)
        df = df.withColumn("_wil_fuzzy", fuzzy_hit)

        code = F.coalesce(F.col("_wil_hit.kode_bps"), F.col("_wil_fuzzy.kode_bps"),
                          F.when(~kec_ok, F.col("_wil_desa_code")))

        def status() -> Column:
            exact = ((F.upper(F.trim(F.col(kec_raw))) == F.upper(F.col("nama_kecamatan")))
                     & (F.upper(F.trim(F.col(desa_raw))) == F.upper(F.col("nama_desa"))))
            by_alias = (F.col("_wil_kec_via") == "alias") | (F.col("_wil_hit.via") == "alias")
            return (
                F.when(F.col("_wil_hit").isNotNull(),
                       F.when(by_alias, "alias").when(exact, "exact").otherwise("normalized"))
                .when(F.col("_wil_fuzzy").isNotNull(), "fuzzy")
                .when(~kec_ok & F.col("_wil_desa_code").isNotNull(), "desa_only")
                .when(~kec_ok & (F.col("_wil_desa_n") > 1), "ambiguous")
                .otherwise("unmatched")
            )

        return _finish(df, code, status)

    return _transform


def unmatched_report(
    df: DataFrame,
    kec_col: str = "nama_kec",
    desa_col: str = "nama_desa",
    statuses: Sequence[str] = NOT_MATCHED,
) -> DataFrame:
    """Counts of raw (kecamatan, desa, wilayah_match) for rows that were not matched, largest first.

    For operators fixing names or extending ``conf/wilayah_aliases.yaml``. ``kec_col``/``desa_col``
    are the raw columns given to the matching (defaults: bronze ``nama_kec``/``nama_desa``; a raw
    column kept as ``<name>_raw`` is found automatically). Columns: ``kecamatan_raw``, ``desa_raw``,
    ``wilayah_match``, ``jumlah``.
    """
    def resolve(c: str) -> str:
        return _raw_name(c) if c in OUTPUT_COLUMNS and _raw_name(c) in df.columns else c

    _require(df, [resolve(kec_col), resolve(desa_col), "wilayah_match"])
    return (
        df.where(F.col("wilayah_match").isin(list(statuses)))
        .groupBy(F.col(resolve(kec_col)).alias("kecamatan_raw"), F.col(resolve(desa_col)).alias("desa_raw"),
                 "wilayah_match")
        .agg(F.count(F.lit(1)).alias("jumlah"))
        .orderBy(F.desc("jumlah"), "wilayah_match", "kecamatan_raw", "desa_raw")
    )
