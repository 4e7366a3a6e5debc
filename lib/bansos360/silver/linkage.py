"""Record linkage: KPM (recipient) and disability records to DTKS individuals.

Two stages, one output row per record (:func:`link_to_dtks`):

1. **Exact NIK.** A valid 16-digit NIK equal to a DTKS NIK links to the latest period in which that
   NIK is found (``nik_latest`` when that is the latest DTKS period, else ``nik_history``), unless
   the names clearly disagree or the birth dates cannot be the same person's: then the record is
   *not* linked and is marked ``nik_name_conflict`` (NIK ganda, or a NIK typed into someone else's).
2. **Probabilistic (Splink).** Records without a valid NIK, or whose NIK is in no DTKS period, are
   scored against one row per DTKS person (its latest row) with a Fellegi-Sunter model trained on
   the run's own data — m from the pairs stage 1 linked, u from random pairs: name, NIK digits with
   birth date (a broken NIK still tells a lot: an Excel float keeps 15 digits, a 15/17-digit NIK is
   one edit away), KK, desa and sex. The best candidate links when its probability reaches the
   configured threshold and no other candidate comes close.

Splink runs on DuckDB (``backend: duckdb``, the default: the unresolved records, the training pairs
and the DTKS persons are handed over as Arrow tables) or on Spark (``backend: spark``: the same
session; every comparison is written with built-in SQL functions, so Splink's similarity jar is
not needed). Both give the same links; DuckDB is ~10x faster on one machine (docs/linkage.md).
Name similarity everywhere is :func:`name_similarity`: built-in Spark functions only (Levenshtein
on the normalized name, on its sorted words and on its sorted letters, so a swapped pair of letters
or words still scores high) — no Python UDF on any path.

:func:`nik_ganda` lists NIKs carried by clearly different persons across records;
:func:`evaluate` scores links against the generator's ground truth; :func:`score_generated` /
:func:`score_frames` run the whole linkage on generated data and score it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator
from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F
from pyspark.sql import types as T

from bansos360.config import Config, Strict, default_conf_dir, load_yaml_model
from bansos360.errors import BansosError
from bansos360.frames import latest_rows

log = logging.getLogger(__name__)

LINKAGE_FILE = "linkage.yaml"

#: Values of ``match_method``.
MATCH_METHODS = ("nik_latest", "nik_history", "probabilistic", "nik_name_conflict", "none")
#: Methods that link a record to a DTKS individual.
LINKED_METHODS = ("nik_latest", "nik_history", "probabilistic")

#: Columns the probabilistic stage compares and blocks on (both sides carry them).
FEATURES = {
    "nama_norm": "normalized name (identity.normalize_name)",
    "name_key": "normalized name with its words sorted (identity.name_key)",
    "name_letters": "letters of the normalized name, sorted (typo-tolerant key)",
    "name_first": "first word of name_key",
    "name_last": "last word of name_key",
    "tgl": "birth date as yyyy-MM-dd text",
    "nik_digits": "the NIK when valid, else its usable digits (Excel float: first 15; 15/17 digits as written)",
    "nik12": "first 12 digits of nik_digits (region + DDMMYY)",
    "kk_digits": "the KK number, same rules as nik_digits",
    "kode_bps": "10-digit BPS desa code",
    "kode_kec": "7-digit BPS kecamatan code",
    "jenis_kelamin": "sex code 1/2",
}

#: Lineage and descriptive columns of the records passed through to the link table when present.
PASS_THROUGH = ("program", "_source_file", "_sheet", "_row_number")

#: The link table's own columns (the records' pass-through columns follow ``record_id``).
LINK_FIELDS = [
    T.StructField("record_id", T.StringType(), False),
    T.StructField("idartbdt", T.StringType(), True),
    T.StructField("idbdt", T.StringType(), True),
    T.StructField("periode", T.StringType(), True),
    T.StructField("in_latest", T.BooleanType(), True),
    T.StructField("match_method", T.StringType(), False),
    T.StructField("match_probability", T.DoubleType(), True),
    T.StructField("name_similarity", T.DoubleType(), True),
    T.StructField("nik_conflict_idartbdt", T.StringType(), True),
]


class LinkageError(BansosError):
    """Linkage inputs are unusable (missing columns, unknown period) or Splink failed."""


# --------------------------------------------------------------------------- configuration
def _check_rule(rule: list[str]) -> list[str]:
    unknown = [c for c in rule if c not in FEATURES]
    if unknown or not rule:
        raise ValueError(f"blocking rule {rule}: unknown or no columns {unknown}; known: {sorted(FEATURES)}")
    return rule


class NikStage(Strict):
    """Exact NIK stage."""

    name_similarity_min: float = Field(0.75, ge=0, le=1, description="names below this clearly disagree")
    check_birth_date: bool = Field(True, description="incompatible birth dates are a conflict too")


class ProbabilisticStage(Strict):
    """Splink stage for records the NIK could not resolve."""

    enabled: bool = True
    backend: Literal["duckdb", "spark"] = "duckdb"
    match_probability_min: float = Field(0.95, gt=0, le=1)
    ambiguity_margin: float = Field(0.05, ge=0, lt=1)
    include_name_conflicts: bool = False
    prior_match_share: float = Field(0.5, gt=0, lt=1)
    blocking_rules: list[list[str]] = Field(min_length=1, default_factory=lambda: [
        ["nik12"], ["tgl"], ["kode_bps", "name_first"], ["kode_bps", "name_last"], ["kk_digits"]])
    min_training_records: int = Field(1000, ge=0, description="fewer NIK-linked pairs: DEFAULT_MU")
    u_max_pairs: int = Field(2_000_000, gt=0)
    seed: int = 42
    name_thresholds: list[float] = Field(default_factory=lambda: [0.9, 0.75], min_length=1)
    term_frequency_adjustments: bool = True

    @field_validator("blocking_rules")
    @classmethod
    def _rules_known(cls, rules):
        return [_check_rule(r) for r in rules]

    @field_validator("name_thresholds")
    @classmethod
    def _thresholds_descending(cls, v):
        if any(not 0 < t <= 1 for t in v) or v != sorted(v, reverse=True) or len(set(v)) != len(v):
            raise ValueError(f"name_thresholds must be distinct values in (0, 1], highest first; got {v}")
        return v


class NikGandaConfig(Strict):
    """When two records with one NIK are different persons."""

    name_similarity_max: float = Field(0.75, ge=0, le=1)
    check_birth_date: bool = True


class LinkageConfig(Strict):
    """``conf/linkage.yaml``."""

    latest_period: str | None = Field(None, pattern=r"^\d{4}-(0[1-9]|1[0-2])$")
    nik: NikStage = Field(default_factory=NikStage)
    probabilistic: ProbabilisticStage = Field(default_factory=ProbabilisticStage)
    nik_ganda: NikGandaConfig = Field(default_factory=NikGandaConfig)

    @model_validator(mode="after")
    def _threshold_consistent(self):
        if self.probabilistic.match_probability_min <= self.probabilistic.ambiguity_margin:
            raise ValueError("probabilistic.ambiguity_margin must be below match_probability_min")
        return self


def load_linkage_config(conf_dir: Path | str | None = None) -> LinkageConfig:
    """Load and validate ``<conf_dir>/linkage.yaml``; errors name the file and the key."""
    conf_dir = Path(conf_dir) if conf_dir is not None else default_conf_dir()
    return load_yaml_model(conf_dir / LINKAGE_FILE, LinkageConfig)


def _as_linkage_config(cfg) -> LinkageConfig:
    if cfg is None:
        return load_linkage_config()
    if isinstance(cfg, LinkageConfig):
        return cfg
    if isinstance(cfg, Config):
        return load_linkage_config(cfg.conf_dir)
    raise LinkageError(f"expected LinkageConfig or Config, got {type(cfg).__name__}")


# --------------------------------------------------------------------------- similarity (built-in only)
def name_letters(name: Column) -> Column:
    """The letters of a normalized name, sorted (``SURAIT`` and ``SURATI`` give ``AIRSTU``)."""
    return F.when(name.isNotNull(), F.array_join(F.array_sort(F.split(F.regexp_replace(name, " ", ""), "")), ""))


def sorted_words(name_norm: Column) -> Column:
    """The words of an already normalized name, sorted: ``identity.name_key`` without re-normalizing."""
    return F.when(name_norm.isNotNull(), F.array_join(F.array_sort(F.split(name_norm, " ")), " "))


def _name_key(df: DataFrame) -> Column:
    return F.col("name_key") if "name_key" in df.columns else sorted_words(F.col("nama_norm"))


def _lev_sim(a: Column, b: Column) -> Column:
    longest = F.greatest(F.length(a), F.length(b))
    return F.when(longest > 0, 1.0 - F.levenshtein(a, b) / longest)


def name_similarity(a_norm: Column, b_norm: Column, a_key: Column | None = None, b_key: Column | None = None) -> Column:
    """Similarity 0-1 of two normalized names, built-in Spark functions only.

    The mean of (a) the best Levenshtein similarity of the names and of their word-sorted keys
    (``name_key``; a swapped order scores 1) and (b) the Levenshtein similarity of their sorted
    letters (a transposed pair of letters, the typical typo, scores 1). ``1 - distance / longer
    length`` each. Identical names give 1.0; null when either name is null.
    """
    a_key = sorted_words(a_norm) if a_key is None else a_key
    b_key = sorted_words(b_norm) if b_key is None else b_key
    words = F.greatest(_lev_sim(a_norm, b_norm), F.coalesce(_lev_sim(a_key, b_key), F.lit(0.0)))
    letters = _lev_sim(name_letters(a_norm), name_letters(b_norm))
    return F.when(a_norm.isNotNull() & b_norm.isNotNull(), (words + F.coalesce(letters, F.lit(0.0))) / 2)


def _name_similarity_sql() -> str:
    """:func:`name_similarity` as SQL over Splink's ``_l``/``_r`` columns (same in Spark and DuckDB)."""
    def lev(c: str) -> str:
        return (f"(1.0 - levenshtein({c}_l, {c}_r) / "
                f"greatest(greatest(length({c}_l), length({c}_r)), 1))")
    return f"((greatest({lev('nama_norm')}, coalesce({lev('name_key')}, 0.0)) + coalesce({lev('name_letters')}, 0.0)) / 2.0)"


def _dates_compatible(a: Column, b: Column) -> Column:
    """True when two dates can be the same birth date: equal, one digit apart, or day and month swapped."""
    sa, sb = F.date_format(a, "yyyyMMdd"), F.date_format(b, "yyyyMMdd")
    swapped = (F.year(a) == F.year(b)) & (F.month(a) == F.dayofmonth(b)) & (F.dayofmonth(a) == F.month(b))
    return F.when(a.isNotNull() & b.isNotNull(), (F.levenshtein(sa, sb) <= 1) | swapped)


_DATES_SQL = ("levenshtein(tgl_l, tgl_r) <= 1 OR (substr(tgl_l, 1, 4) = substr(tgl_r, 1, 4) "
              "AND substr(tgl_l, 6, 2) = substr(tgl_r, 9, 2) AND substr(tgl_l, 9, 2) = substr(tgl_r, 6, 2))")


def usable_id_digits(value: Column, raw: Column | None = None, reason: Column | None = None) -> Column:
    """Digits of a NIK/KK worth comparing: the valid value, else what a broken one still tells.

    An Excel float (``float_lost_digits``) keeps its first 15 digits (the 16th is made up; Excel's
    ``3.50312E+15`` text keeps nothing); ``too_short``/``too_long``/``non_digit`` keep their digits
    (one edit away from the real number when a digit was dropped or added). Only 12-18 digits count.
    """
    if raw is None or reason is None:
        return value
    digits = F.regexp_replace(raw, r"[^0-9]", "")
    sci = raw.rlike(r"[eE][+]?[0-9]+\s*$")
    partial = (F.when(sci, F.lit(None).cast("string"))
               .when(reason == "float_lost_digits", F.substring(digits, 1, 15))
               .when(reason.isin("too_short", "too_long", "non_digit"), digits))
    return F.coalesce(value, F.when(F.length(partial).between(12, 18), partial))


# --------------------------------------------------------------------------- inputs
_REQUIRED_RECORDS = ("record_id", "nik", "nik_format_ok", "no_kk", "nama_norm", "tanggal_lahir", "jenis_kelamin",
                     "kode_bps")
_OPTIONAL_RECORDS = ("name_key", "nama", "nik_raw", "nik_reason", "no_kk_raw", "no_kk_reason", "no_kk_format_ok")
_REQUIRED_INDIVIDU = ("periode", "idartbdt", "idbdt", "nik", "nik_format_ok", "no_kk", "nama_norm",
                      "jenis_kelamin", "tanggal_lahir", "kode_bps")


def _require(df: DataFrame, cols: Sequence[str], what: str) -> None:
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise LinkageError(f"{what} lacks column(s) {missing}; has {df.columns}")


def _opt(df: DataFrame, col: str) -> Column | None:
    return F.col(col) if col in df.columns else None


def latest_period(individu: DataFrame, cfg: LinkageConfig) -> str:
    """The DTKS period that counts as latest: ``latest_period`` of the config, else the last present."""
    present = sorted(r[0] for r in individu.select("periode").distinct().collect())
    if not present:
        raise LinkageError("silver.individu is empty: build DTKS first")
    if cfg.latest_period is None:
        return present[-1]
    if cfg.latest_period not in present:
        raise LinkageError(f"linkage.yaml latest_period {cfg.latest_period!r} is not in silver.individu {present}")
    return cfg.latest_period


def dtks_persons(individu: DataFrame, latest: str) -> DataFrame:
    """One row per DTKS person up to ``latest``: the person's latest row (smallest IDARTBDT, then
    file row, within that period), with its ``person_key``.

    A person is a NIK (valid and held by one IDARTBDT in each period it appears) — so someone who
    moved household and got a new IDARTBDT is one person — else a single IDARTBDT.
    """
    ind = with_person_key(individu.where(F.col("periode") <= latest))
    return latest_rows(ind, "person_key", tiebreak=("idartbdt", "_row_number"))


def _valid_nik() -> Column:
    return F.coalesce(F.col("nik_format_ok"), F.lit(False)) & F.col("nik").isNotNull()


def shared_niks(individu: DataFrame) -> DataFrame:
    """Valid NIKs held by more than one ``silver.individu`` row in some period (one column ``nik``);
    computed on the two key columns only, so the wide rows are never shuffled for it."""
    return (individu.where(_valid_nik()).groupBy("periode", "nik").count().where(F.col("count") > 1)
            .select("nik").distinct())


def with_person_key(individu: DataFrame, shared: DataFrame | None = None) -> DataFrame:
    """``silver.individu`` rows with ``person_key``: the NIK when it is valid and held by one
    IDARTBDT in each period it appears in, else ``ART:<idartbdt>`` (also used by the 360 marts).
    ``shared``: :func:`shared_niks` of ``individu`` when already computed (a few hundred rows,
    broadcast)."""
    shared = shared_niks(individu) if shared is None else shared
    ind = individu.join(F.broadcast(shared.select("nik").withColumn("_shared", F.lit(True))), "nik", "left")
    key = F.when(_valid_nik() & F.col("_shared").isNull(), F.col("nik")).otherwise(F.concat(F.lit("ART:"), F.col("idartbdt")))
    return ind.withColumn("person_key", key).drop("_shared")


# --------------------------------------------------------------------------- stage 1: exact NIK
def _nik_stage(records: DataFrame, individu: DataFrame, latest: str, cfg: LinkageConfig) -> DataFrame:
    """Per record with a valid NIK found in DTKS: the chosen DTKS row and whether the names agree.

    DTKS rows of a NIK are first grouped by (name, birth date) — usually one group over all periods —
    so the similarity is computed once per distinct name a NIK carries, not once per period.
    """
    rec = (records.where(F.col("nik_format_ok") & F.col("nik").isNotNull())
           .select("record_id", "nik", F.col("nama_norm").alias("_r_norm"), _name_key(records).alias("_r_key"),
                   F.col("tanggal_lahir").alias("_r_tgl")))
    wanted = F.broadcast(rec.select("nik").distinct())
    dt = (individu.where((F.col("periode") <= latest) & F.col("nik_format_ok") & F.col("nik").isNotNull())
          .join(wanted, "nik")
          .groupBy("nik", F.col("nama_norm").alias("_d_norm"), F.col("tanggal_lahir").alias("_d_tgl"))
          .agg(F.max(F.struct("periode", "idartbdt", "idbdt")).alias("_last"))
          .withColumn("_d_key", sorted_words(F.col("_d_norm"))))
    sim = name_similarity(F.col("_r_norm"), F.col("_d_norm"), F.col("_r_key"), F.col("_d_key"))
    agree = F.coalesce(sim >= cfg.nik.name_similarity_min, F.lit(False))
    if cfg.nik.check_birth_date:
        agree = agree & F.coalesce(_dates_compatible(F.col("_r_tgl"), F.col("_d_tgl")), F.lit(True))
    j = rec.join(dt, "nik").withColumn("_sim", sim).withColumn("_agree", agree)
    best = F.max(F.struct("_agree", F.col("_last.periode").alias("periode"),
                          F.coalesce("_sim", F.lit(-1.0)).alias("s"), "_last.idartbdt", "_last.idbdt"))
    return (j.groupBy("record_id")
            .agg(best.alias("_b"), F.max("_last").alias("_holder"), F.max("_sim").alias("_max_sim"))
            .select("record_id",
                    F.col("_b._agree").alias("nik_agree"),
                    F.col("_b.periode").alias("nik_periode"),
                    F.col("_b.idartbdt").alias("nik_idartbdt"),
                    F.col("_b.idbdt").alias("nik_idbdt"),
                    F.when(F.col("_b._agree"), F.col("_b.s")).otherwise(F.col("_max_sim")).alias("nik_sim"),
                    F.col("_holder.idartbdt").alias("nik_holder")))


# --------------------------------------------------------------------------- stage 2: Splink
def _features(df: DataFrame, uid: Column, name_key: Column, nik_digits: Column, kk_digits: Column,
              keep: Sequence[str] = ()) -> DataFrame:
    """The comparison/blocking columns of :data:`FEATURES` plus ``uid``, same on both sides."""
    words = F.split(name_key, " ")
    out = df.select(
        uid.cast("string").alias("uid"),
        F.col("nama_norm"),
        name_key.alias("name_key"),
        name_letters(F.col("nama_norm")).alias("name_letters"),
        F.element_at(words, 1).alias("name_first"),
        F.element_at(words, -1).alias("name_last"),
        F.date_format(F.col("tanggal_lahir"), "yyyy-MM-dd").alias("tgl"),
        nik_digits.alias("nik_digits"),
        F.when(F.length(nik_digits) >= 12, F.substring(nik_digits, 1, 12)).alias("nik12"),
        kk_digits.alias("kk_digits"),
        F.col("kode_bps").cast("string").alias("kode_bps"),
        F.substring(F.col("kode_bps").cast("string"), 1, 7).alias("kode_kec"),
        F.col("jenis_kelamin").cast("string").alias("jenis_kelamin"),
        *keep,
    )
    return out.withColumn("name_first", F.when(F.col("name_first") != "", F.col("name_first"))) \
              .withColumn("name_last", F.when(F.col("name_last") != "", F.col("name_last")))


def record_features(records: DataFrame, keep: Sequence[str] = ()) -> DataFrame:
    """:data:`FEATURES` of KPM/disability records (``uid`` = ``record_id``), plus the ``keep`` columns."""
    key = _name_key(records)
    nik = usable_id_digits(F.when(F.col("nik_format_ok"), F.col("nik")), _opt(records, "nik_raw"),
                           _opt(records, "nik_reason"))
    kk_ok = F.col("no_kk_format_ok") if "no_kk_format_ok" in records.columns else F.col("no_kk").isNotNull()
    kk = usable_id_digits(F.when(kk_ok, F.col("no_kk")), _opt(records, "no_kk_raw"), _opt(records, "no_kk_reason"))
    return _features(records, F.col("record_id"), key, nik, kk, keep)


def person_features(persons: DataFrame) -> DataFrame:
    """:data:`FEATURES` of DTKS persons from :func:`dtks_persons` (``uid`` = ``person_key``)."""
    return _features(persons, F.col("person_key"), sorted_words(F.col("nama_norm")),
                     F.when(F.col("nik_format_ok"), F.col("nik")), F.col("no_kk"))


#: m/u probabilities per comparison level (strongest first) used when there are too few records
#: to train (fewer NIK-linked pairs than ``min_training_records``), rounded from the model trained
#: on generated data at scale 1.0 (docs/linkage.md). ``nik_tgl`` m are always these (fixed, see
#: :func:`_comparisons`): the NIK-linked pairs that train m agree on the NIK by construction.
DEFAULT_MU = {
    "nama": [(0.99, 8e-4), (0.0045, 1.2e-5), (0.0055, 1.2e-3), (0.001, 0.998)],
    "nik_tgl": [(0.01, 3e-6), (0.85, 1.5e-6), (0.02, 3.8e-4), (0.07, 5e-6), (0.005, 1.2e-5), (0.01, 9e-6),
                (0.003, 0.385), (0.032, 0.615)],
    "no_kk": [(0.975, 4.4e-6), (0.025, 5e-7), (0.001, 0.999995)],
    "desa": [(0.99, 6.8e-3), (0.01, 0.072), (0.001, 0.92)],
    "jenis_kelamin": [(0.995, 0.497), (0.005, 0.503)],
}
#: Floors applied to trained m and u: a level never seen among the NIK-linked pairs (m = 0) or
#: among random pairs (u = 0) must not veto or force a link on its own.
M_FLOOR, U_FLOOR = 1e-3, 1e-7

_BROKEN_ONE_EDIT = "(length({c}_l) <> 16 OR length({c}_r) <> 16) AND levenshtein({c}_l, {c}_r) <= 1"
_NIK_UNKNOWN = "(nik_digits_l IS NULL OR nik_digits_r IS NULL)"


def _comparisons(p: ProbabilisticStage) -> list:
    """Splink comparisons; every SQL condition uses functions that Spark and DuckDB both have.

    NIK and birth date are one comparison (``nik_tgl``) because a NIK encodes the birth date
    (digits 7-12): as two comparisons, a broken NIK matching the 15-digit prefix of someone born
    the same day in the same kecamatan would count the birth date twice.
    """
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl

    def levels(name, null, lvls, mu=None, fix_m=False):
        mu = mu or DEFAULT_MU[name]
        out = [null] + [lvl.configure(m_probability=m, u_probability=u, fix_m_probability=fix_m)
                        for lvl, (m, u) in zip(lvls, mu, strict=True)]
        return cl.CustomComparison(comparison_levels=out, output_column_name=name)

    sim = _name_similarity_sql()
    name_levels = [cll.ExactMatchLevel("name_key", term_frequency_adjustments=p.term_frequency_adjustments)]
    name_levels += [cll.CustomLevel(f"{sim} >= {t}", label_for_charts=f"name similarity >= {t}")
                    for t in p.name_thresholds]
    name_levels.append(cll.ElseLevel())
    name_mu = DEFAULT_MU["nama"]
    if len(name_levels) != len(name_mu):  # another number of thresholds: spread the defaults
        k = len(p.name_thresholds)
        name_mu = name_mu[:1] + [(0.01 / k, 1.2e-3 / k)] * k + name_mu[-1:]
    tgl_ok = "(tgl_l IS NULL OR tgl_r IS NULL OR tgl_l = tgl_r)"
    nik_tgl = [
        cll.CustomLevel("nik_digits_l = nik_digits_r", label_for_charts="NIK equal"),
        cll.CustomLevel(f"{_BROKEN_ONE_EDIT.format(c='nik_digits')} AND {tgl_ok}",
                        label_for_charts="broken NIK one edit away, birth date agrees or unknown"),
        cll.CustomLevel("levenshtein(nik_digits_l, nik_digits_r) <= 2", label_for_charts="NIK within two edits"),
        cll.CustomLevel(f"{_NIK_UNKNOWN} AND tgl_l = tgl_r", label_for_charts="no NIK, birth date equal"),
        cll.CustomLevel(f"{_NIK_UNKNOWN} AND ({_DATES_SQL})", label_for_charts="no NIK, birth date one digit off"),
        cll.CustomLevel("tgl_l = tgl_r", label_for_charts="NIK differs, birth date equal"),
        cll.CustomLevel("tgl_l IS NOT NULL AND tgl_r IS NOT NULL", label_for_charts="birth date differs"),
        cll.ElseLevel(),
    ]
    nik_null = cll.CustomLevel(f"{_NIK_UNKNOWN} AND (tgl_l IS NULL OR tgl_r IS NULL)",
                               label_for_charts="no NIK, no birth date").configure(is_null_level=True)
    return [
        levels("nama", cll.NullLevel("nama_norm"), name_levels, name_mu),
        levels("nik_tgl", nik_null, nik_tgl, fix_m=True),
        levels("no_kk", cll.NullLevel("kk_digits"),
               [cll.ExactMatchLevel("kk_digits"),
                cll.CustomLevel(_BROKEN_ONE_EDIT.format(c="kk_digits"), label_for_charts="broken KK, one edit"),
                cll.ElseLevel()]),
        levels("desa", cll.NullLevel("kode_bps"),
               [cll.ExactMatchLevel("kode_bps"), cll.ExactMatchLevel("kode_kec"), cll.ElseLevel()]),
        levels("jenis_kelamin", cll.NullLevel("jenis_kelamin"), [cll.ExactMatchLevel("jenis_kelamin"), cll.ElseLevel()]),
    ]


def _settings(p: ProbabilisticStage, prior: float):
    from splink import SettingsCreator, block_on

    return SettingsCreator(
        link_type="link_only",
        unique_id_column_name="uid",
        comparisons=_comparisons(p),
        blocking_rules_to_generate_predictions=[block_on(*r) for r in p.blocking_rules],
        probability_two_random_records_match=prior,
        retain_matching_columns=False,
        retain_intermediate_calculation_columns=False,
    )


def _floored(model: dict, prior: float) -> dict:
    """The model dict with m/u floored (see :data:`M_FLOOR`) and the prior set."""
    model = dict(model, probability_two_random_records_match=prior)
    for comp in model.get("comparisons", []):
        for lvl in comp["comparison_levels"]:
            if lvl.get("is_null_level"):
                continue
            if lvl.get("m_probability") is not None:
                lvl["m_probability"] = max(lvl["m_probability"], M_FLOOR)
            if lvl.get("u_probability") is not None:
                lvl["u_probability"] = max(lvl["u_probability"], U_FLOOR)
    return model


class _Backend:
    """Splink database API of the configured backend; moves Spark frames into it.

    DuckDB: each input is converted to Arrow once (one Spark job) and counted there. Spark: each
    input is persisted (unpersisted by :meth:`close`).
    """

    def __init__(self, spark, backend: str, run_id: str):
        self.spark, self.kind, self.run_id = spark, backend, run_id
        self.cached: list[DataFrame] = []
        if backend == "spark":
            from splink.backends.spark import SparkAPI

            parts = max(int(spark.conf.get("spark.sql.shuffle.partitions", "4")), 2)
            # persist: no checkpoint folder needed; built-in functions only: no jar to register
            self.api = SparkAPI(spark_session=spark, break_lineage_method="persist",
                                register_udfs_automatically=False, num_partitions_on_repartition=parts)
        else:
            import duckdb
            from splink.backends.duckdb import DuckDBAPI

            self.con = duckdb.connect()
            self.api = DuckDBAPI(connection=self.con)

    def table(self, df: DataFrame):
        """``df`` in the backend's form: an Arrow table (duckdb) or a persisted DataFrame (spark)."""
        if self.kind == "duckdb":
            return df.toArrow()
        df = df.persist()
        self.cached.append(df)
        return df

    def rows(self, table) -> int:
        return table.num_rows if self.kind == "duckdb" else table.count()

    def drop(self, table, col: str):
        return table.drop_columns([col]) if self.kind == "duckdb" else table.drop(col)

    def labels(self, table, left: str, right: str):
        """Splink's pairwise-label table from a table with ``uid`` and ``person_key``."""
        if self.kind == "duckdb":
            import pyarrow as pa

            n = table.num_rows
            return pa.table({"source_dataset_l": pa.array([left] * n, pa.string()), "uid_l": table["uid"],
                             "source_dataset_r": pa.array([right] * n, pa.string()), "uid_r": table["person_key"]})
        return table.select(F.lit(left).alias("source_dataset_l"), F.col("uid").alias("uid_l"),
                            F.lit(right).alias("source_dataset_r"), F.col("person_key").alias("uid_r"))

    def register(self, table, name: str):
        return self.api.register(table, dataset_display_name=name, table_name=f"bansos_link_{name}_{self.run_id}")

    def to_spark(self, splink_df) -> DataFrame:
        if self.kind == "spark":
            return splink_df.as_spark_dataframe()
        return self.spark.createDataFrame(splink_df.as_pyarrow_table())

    def close(self, linkers) -> None:
        for linker in linkers:
            try:
                linker.table_management.delete_tables_created_by_splink_from_db()
            except Exception as exc:  # cleanup must never hide the result
                log.warning("could not drop Splink's intermediate tables: %s", exc)
        for df in self.cached:
            df.unpersist()
        if self.kind == "duckdb":
            self.con.close()


def _model_summary(model: dict) -> dict:
    """``{comparison: [[level label, m, u], ...]}`` of a Splink model dict (for logs and docs)."""
    out = {}
    for comp in model.get("comparisons", []):
        out[comp["output_column_name"]] = [
            [lvl.get("label_for_charts", ""), lvl.get("m_probability"), lvl.get("u_probability")]
            for lvl in comp["comparison_levels"] if not lvl.get("is_null_level")]
    return out


def _splink_scores(unresolved: DataFrame, labelled: DataFrame, persons: DataFrame, p: ProbabilisticStage,
                   stats: dict) -> DataFrame | None:
    """(record_id, person_key, match_probability, _second) of each unresolved record's best candidate
    at or above ``match_probability_min - ambiguity_margin``; None when nothing is unresolved.

    Training: m from the NIK-linked pairs (``labelled``: records with the ``person_key`` their NIK
    linked them to), u by random sampling of unresolved records x DTKS persons — both only when
    there are at least ``min_training_records`` labelled pairs, else :data:`DEFAULT_MU`.
    """
    from splink import Linker

    spark = unresolved.sparkSession
    backend = _Backend(spark, p.backend, f"{int(time.time() * 1000) % 10**10}")
    linkers = []
    try:
        t0 = time.monotonic()
        rec_t = backend.table(record_features(unresolved))
        stats["unresolved_records"] = backend.rows(rec_t)
        if not stats["unresolved_records"]:
            return None
        dtks_t = backend.table(person_features(persons))
        prior = min(p.prior_match_share / max(backend.rows(dtks_t), 1), 0.5)
        lab_t = backend.table(record_features(labelled, keep=("person_key",)))
        stats["training_pairs"] = backend.rows(lab_t)
        stats["trained"] = stats["training_pairs"] >= p.min_training_records
        stats["prepare_seconds"] = round(time.monotonic() - t0, 1)
        t0 = time.monotonic()
        rec, dtks = backend.register(rec_t, "records"), backend.register(dtks_t, "dtks")
        model = _settings(p, prior)
        if stats["trained"]:
            train = backend.register(backend.drop(lab_t, "person_key"), "train")
            labels = backend.register(backend.labels(lab_t, "train", "dtks"), "labels")
            linker = Linker([train, dtks], model, log_level=logging.WARNING)
            linkers.append(linker)
            linker.training.estimate_m_from_pairwise_labels(labels)
            linker = Linker([rec, dtks], linker.misc.save_model_to_json(), log_level=logging.WARNING)
            linkers.append(linker)
            linker.training.estimate_u_using_random_sampling(max_pairs=p.u_max_pairs, seed=p.seed, num_chunks=1,
                                                             min_count_per_level=None)
            model = _floored(linker.misc.save_model_to_json(), prior)
            stats["model"] = _model_summary(model)
        stats["training_seconds"] = round(time.monotonic() - t0, 1)
        t0 = time.monotonic()
        linker = Linker([rec, dtks], model, log_level=logging.WARNING)
        linkers.append(linker)
        # Candidates down to threshold - margin, so a close second-best is seen.
        floor = max(p.match_probability_min - p.ambiguity_margin, 1e-6)
        pred = linker.inference.predict(threshold_match_probability=floor, warning_mode="never")
        scores = backend.to_spark(pred)
        is_rec_left = F.col("source_dataset_l") == "records"
        scores = scores.select(
            F.when(is_rec_left, F.col("uid_l")).otherwise(F.col("uid_r")).alias("record_id"),
            F.when(is_rec_left, F.col("uid_r")).otherwise(F.col("uid_l")).alias("person_key"),
            F.col("match_probability").cast("double").alias("match_probability"))
        ranked = Window.partitionBy("record_id").orderBy(F.desc("match_probability"), F.asc("person_key"))
        best = (scores.withColumn("_rank", F.row_number().over(ranked))
                .withColumn("_second", F.lead("match_probability").over(ranked))
                .where(F.col("_rank") == 1).drop("_rank"))
        # Materialize (small: <= one row per unresolved record) before Splink's tables are dropped.
        best = best.localCheckpoint(eager=True)
        stats["predict_seconds"] = round(time.monotonic() - t0, 1)
        return best
    finally:
        backend.close(linkers)


# --------------------------------------------------------------------------- the linkage
def link_to_dtks(records: DataFrame, individu: DataFrame, cfg: LinkageConfig | Config | None = None,
                 stats: dict | None = None) -> DataFrame:
    """Link each record to a DTKS individual; one output row per record.

    ``records``: KPM or disability rows (``record_id`` unique, ``nik``/``nik_format_ok``, ``no_kk``,
    ``nama_norm`` [+ ``name_key``], ``tanggal_lahir``, ``jenis_kelamin``, ``kode_bps``; optional
    ``nik_raw``/``nik_reason``/``no_kk_raw``/``no_kk_reason`` let a broken NIK still help, and
    ``program``/``_source_file``/``_sheet``/``_row_number`` are passed through). ``individu``:
    ``silver.individu`` rows of all periods.

    Output columns: ``record_id``, the pass-through columns present, ``idartbdt``, ``idbdt``,
    ``periode`` (latest period in which the linked person is found), ``in_latest``,
    ``match_method`` (:data:`MATCH_METHODS`), ``match_probability`` (1.0 for NIK with agreeing
    names, Splink's probability for ``probabilistic``, null otherwise), ``name_similarity``
    (:func:`name_similarity` with the linked row, or with the NIK's holder for a conflict) and
    ``nik_conflict_idartbdt`` (the DTKS individual holding the NIK when the names clearly disagree).
    ``stats`` (a dict), when given, receives counts and timings.
    """
    cfg = _as_linkage_config(cfg)
    stats = {} if stats is None else stats
    _require(records, _REQUIRED_RECORDS, "records")
    _require(individu, _REQUIRED_INDIVIDU, "silver.individu")
    spark = records.sparkSession
    t_start = time.monotonic()
    # Narrow materialized copies without lineage: every stage reads them again, and the inputs may
    # be whole cleaning pipelines whose plans Spark would otherwise re-analyze at each step.
    keep = [c for c in (*_REQUIRED_RECORDS, *_OPTIONAL_RECORDS, *PASS_THROUGH) if c in records.columns]
    records = records.select(*dict.fromkeys(keep)).localCheckpoint(eager=True)
    individu = individu.select(*_REQUIRED_INDIVIDU).localCheckpoint(eager=True)
    latest = latest_period(individu, cfg)
    stats["latest_period"] = latest
    individu = individu.where(F.col("periode") <= latest)
    nik = _nik_stage(records, individu, latest, cfg).persist()
    persons = None
    prob = None
    try:
        p = cfg.probabilistic
        if p.enabled:
            resolved = nik.where(F.col("nik_agree") | (~F.lit(p.include_name_conflicts))).select("record_id")
            unresolved = records.join(resolved, "record_id", "left_anti")
            persons = dtks_persons(individu, latest).persist()
            labelled = (records.join(nik.where(F.col("nik_agree")).select("record_id"), "record_id")
                        .join(persons.select("person_key"), F.col("nik") == F.col("person_key")))
            best = _splink_scores(unresolved, labelled, persons, p, stats)
            if best is not None:
                linked = best.where((F.col("match_probability") >= p.match_probability_min)
                                    & (F.coalesce(F.col("_second"), F.lit(0.0))
                                       < F.col("match_probability") - p.ambiguity_margin))
                prob = (linked.join(persons.select("person_key", "idartbdt", "idbdt", "periode",
                                                   F.col("nama_norm").alias("_d_norm")),
                                    "person_key")
                        .select("record_id", F.col("idartbdt").alias("p_idartbdt"), F.col("idbdt").alias("p_idbdt"),
                                F.col("periode").alias("p_periode"), F.col("match_probability").alias("p_prob"),
                                "_d_norm"))
        pass_cols = [c for c in PASS_THROUGH if c in records.columns]
        rec_key = _name_key(records)
        out = records.select("record_id", *pass_cols, F.col("nama_norm").alias("_r_norm"), rec_key.alias("_r_key"))
        out = out.join(nik, "record_id", "left")
        if prob is None:
            prob_schema = ("record_id string, p_idartbdt string, p_idbdt string, p_periode string, p_prob double, "
                           "_d_norm string")
            prob = spark.createDataFrame([], prob_schema)
        out = out.join(prob, "record_id", "left")
        agree = F.coalesce(F.col("nik_agree"), F.lit(False))
        conflict = F.col("nik_agree").isNotNull() & ~agree
        by_prob = F.col("p_idartbdt").isNotNull()
        periode = F.when(agree, F.col("nik_periode")).when(by_prob, F.col("p_periode"))
        method = (F.when(agree, F.when(F.col("nik_periode") == latest, "nik_latest").otherwise("nik_history"))
                  .when(by_prob, "probabilistic").when(conflict, "nik_name_conflict").otherwise("none"))
        prob_sim = name_similarity(F.col("_r_norm"), F.col("_d_norm"), F.col("_r_key"), sorted_words(F.col("_d_norm")))
        result = out.select(
            "record_id", *pass_cols,
            F.when(agree, F.col("nik_idartbdt")).when(by_prob, F.col("p_idartbdt")).alias("idartbdt"),
            F.when(agree, F.col("nik_idbdt")).when(by_prob, F.col("p_idbdt")).alias("idbdt"),
            periode.alias("periode"),
            F.when(periode.isNotNull(), periode == latest).alias("in_latest"),
            method.alias("match_method"),
            F.when(agree, F.lit(1.0)).when(by_prob, F.col("p_prob")).cast("double").alias("match_probability"),
            F.when(agree | conflict, F.col("nik_sim")).when(by_prob, prob_sim).cast("double").alias("name_similarity"),
            F.when(conflict, F.col("nik_holder")).alias("nik_conflict_idartbdt"),
        )
        # Materialize so the cached helpers can be released before returning.
        result = result.localCheckpoint(eager=True)
        stats["seconds"] = round(time.monotonic() - t_start, 1)
        return result
    finally:
        for df in (nik, persons):
            if df is not None:
                df.unpersist()


# --------------------------------------------------------------------------- NIK ganda
def nik_ganda(records: DataFrame, cfg: LinkageConfig | Config | None = None) -> DataFrame:
    """Records whose valid NIK is also carried by a clearly different person in another record.

    Two records with the same NIK are different persons when :func:`name_similarity` of their names
    is below ``nik_ganda.name_similarity_max`` or (``check_birth_date``) both birth dates are known
    and cannot be the same date. The same person listed twice (PKH and Sembako, or a duplicate row)
    is not NIK ganda. One row per record involved: ``nik``, ``record_id``, the pass-through columns
    present (``program``, lineage), ``nama``, ``nama_norm``, ``tanggal_lahir``, ``kode_bps``,
    ``n_records`` (records with this NIK), ``n_conflicting`` (other records with this NIK that are
    clearly someone else), ``reason`` (``nama_berbeda``, ``tanggal_lahir_berbeda`` or both joined
    by ``+``), ordered by NIK.
    """
    g = _as_linkage_config(cfg).nik_ganda
    _require(records, ("record_id", "nik", "nik_format_ok", "nama_norm", "tanggal_lahir"), "records")
    extra = [c for c in (*PASS_THROUGH, "nama", "kode_bps") if c in records.columns]
    # materialized without lineage: the pair search reads it several times
    records = (records.where(F.col("nik_format_ok") & F.col("nik").isNotNull())
               .select("record_id", "nik", "nama_norm", "tanggal_lahir", _name_key(records).alias("_key"), *extra)
               .localCheckpoint(eager=True))
    base = records.select("record_id", "nik", "nama_norm", "_key", "tanggal_lahir")
    shared = base.groupBy("nik").agg(F.count(F.lit(1)).alias("n_records")).where(F.col("n_records") > 1)
    a = base.join(shared, "nik")
    b = a.select(*[F.col(c).alias(f"o_{c}") for c in ("record_id", "nik", "nama_norm", "_key", "tanggal_lahir")])
    pairs = a.join(b, (F.col("nik") == F.col("o_nik")) & (F.col("record_id") != F.col("o_record_id")))
    name_diff = F.coalesce(name_similarity(F.col("nama_norm"), F.col("o_nama_norm"), F.col("_key"), F.col("o__key"))
                           < g.name_similarity_max, F.lit(False))
    date_diff = (F.coalesce(~_dates_compatible(F.col("tanggal_lahir"), F.col("o_tanggal_lahir")), F.lit(False))
                 if g.check_birth_date else F.lit(False))
    flagged = (pairs.withColumns({"_nd": name_diff, "_dd": date_diff})
               .where(F.col("_nd") | F.col("_dd"))
               .groupBy("record_id", "n_records")
               .agg(F.count(F.lit(1)).alias("n_conflicting"), F.max("_nd").alias("_nd"), F.max("_dd").alias("_dd")))
    reason = F.concat_ws("+", F.when(F.col("_nd"), F.lit("nama_berbeda")),
                         F.when(F.col("_dd"), F.lit("tanggal_lahir_berbeda")))
    return (records.select("record_id", "nik", "nama_norm", "tanggal_lahir", *extra)
            .join(flagged, "record_id")
            .select("nik", "record_id", *[c for c in extra if c in PASS_THROUGH],
                    *[c for c in ("nama",) if c in extra], "nama_norm", "tanggal_lahir",
                    *[c for c in ("kode_bps",) if c in extra],
                    F.col("n_records").cast("int"), F.col("n_conflicting").cast("int"), reason.alias("reason"))
            .orderBy("nik", "record_id"))


# --------------------------------------------------------------------------- evaluation
def _ratio(num: int, den: int) -> float | None:
    return round(num / den, 6) if den else None


def _scores(tp: int, fp: int, in_dtks: int) -> dict:
    precision, recall = _ratio(tp, tp + fp), _ratio(tp, in_dtks)
    f1 = (round(2 * precision * recall / (precision + recall), 6)
          if precision is not None and recall is not None and precision + recall > 0 else None)
    return {"precision": precision, "recall": recall, "f1": f1}


def evaluate(links: DataFrame, truth_records: DataFrame, person_periods: DataFrame) -> dict:
    """Precision, recall and F1 of ``links`` against the generator's ground truth, overall and per method.

    ``links``: output of :func:`link_to_dtks` (needs ``_source_file``, ``_sheet``, ``_row_number``);
    ``truth_records``: ``_truth/records.parquet`` (file, sheet, row_number, person_id);
    ``person_periods``: ``_truth/person_periods.parquet`` (person_id, period, idartbdt).

    A record is matched to its truth row by (file name, sheet, row number). A link is correct when
    the linked (idartbdt, periode) is a row of the record's true person. ``tp`` = correct links,
    ``fp`` = other links, ``in_dtks`` = records whose true person is in some DTKS period (recall's
    denominator); ``fn`` = ``in_dtks - tp``. Per method, precision is over that method's links and
    recall over the DTKS persons' records that ended in that method (so ``none`` and
    ``nik_name_conflict`` show the misses). Also per source (``program``, when present).
    Records without a truth row are counted in ``records_without_truth`` and left out.
    """
    _require(links, ("record_id", "idartbdt", "periode", "match_method", "_source_file", "_sheet", "_row_number"),
             "links")
    truth = truth_records.select(*_places("file", "sheet", "row_number"), F.col("person_id").alias("_person_id"))
    src = "program" if "program" in links.columns else None
    lk = links.select("record_id", "idartbdt", "periode", "match_method",
                      (F.col(src) if src else F.lit("all")).alias("_src"),
                      *_places("_source_file", "_sheet", "_row_number"))
    pp = person_periods.select(F.col("person_id").alias("_person_id"), F.col("period").alias("periode"),
                               "idartbdt").distinct().withColumn("_ok", F.lit(True))
    # _found: the record has a truth row (its person_id is null for outsiders)
    j = lk.join(truth.withColumn("_found", F.lit(True)), ["_f", "_s", "_r"], "left")
    j = j.join(pp, ["_person_id", "periode", "idartbdt"], "left")
    linked = F.col("match_method").isin(*LINKED_METHODS) & F.col("idartbdt").isNotNull()
    rows = (j.groupBy("_src", "match_method").agg(
        F.count(F.lit(1)).alias("records"),
        F.sum(F.when(F.col("_found").isNull(), 1).otherwise(0)).alias("no_truth"),
        F.sum(F.when(F.col("_found") & linked, 1).otherwise(0)).alias("links"),
        F.sum(F.when(F.col("_found") & linked & F.col("_ok"), 1).otherwise(0)).alias("tp"),
        F.sum(F.when(F.col("_found") & F.col("_person_id").isNotNull(), 1).otherwise(0)).alias("in_dtks"),
    ).collect())

    def block(rs) -> dict:
        n = sum(r["records"] - r["no_truth"] for r in rs)
        links_, tp, in_dtks = (sum(r[k] for r in rs) for k in ("links", "tp", "in_dtks"))
        return {"records": n, "links": links_, "tp": tp, "fp": links_ - tp, "fn": in_dtks - tp, "in_dtks": in_dtks,
                **_scores(tp, links_ - tp, in_dtks)}

    out = {"overall": block(rows),
           "by_method": {m: block([r for r in rows if r["match_method"] == m]) for m in MATCH_METHODS},
           "records_without_truth": sum(r["no_truth"] for r in rows)}
    if src:
        out["by_source"] = {s: block([r for r in rows if r["_src"] == s]) for s in sorted({r["_src"] for r in rows})}
    return out


# --------------------------------------------------------------------------- scoring a generated run
def _records_from_silver_or_bronze(spark, cfg: Config, lake) -> tuple[DataFrame, DataFrame, str]:
    """(KPM records, disability records, where they came from): silver tables when built, else
    cleaned from bronze on the fly with ``bansos360.silver.penerima``."""
    from bansos360 import lakehouse

    if (lakehouse.table_exists(spark, "silver", "penerima_bansos", lake)
            and lakehouse.table_exists(spark, "silver", "disabilitas", lake)):
        return (lakehouse.read_table(spark, "silver", "penerima_bansos", lake),
                lakehouse.read_table(spark, "silver", "disabilitas", lake), "silver")
    from bansos360.silver import codes as cd
    from bansos360.silver import penerima as pn
    from bansos360.silver import wilayah

    prov = cfg.settings.region.kode_prov
    kec = sorted(r["nik_kec_prefix"] for r in wilayah.ref_kecamatan(spark).select("nik_kec_prefix").collect())
    aliases = wilayah.load_wilayah_aliases(cfg.conf_dir)
    kpm = pn.penerima_bansos(lakehouse.read_table(spark, "bronze", "kpm", lake), prov, kec, aliases)
    dis = pn.disabilitas(lakehouse.read_table(spark, "bronze", "disabilitas", lake), prov, kec, aliases,
                         cd.load_codes(cfg.conf_dir))
    return kpm, dis, "bronze"


def score_generated(spark, raw_dir: Path | str, lake=None, cfg: Config | None = None,
                    linkage_cfg: LinkageConfig | None = None) -> dict:
    """Link the KPM lists and the disability register of a generated run and score them.

    Needs a lakehouse with ``silver.individu`` built (and ``silver.penerima_bansos`` /
    ``silver.disabilitas``, else bronze ``kpm``/``disabilitas`` are cleaned on the fly) and the
    generator's ``<raw_dir>/_truth``. Returns :func:`score_frames`'s dict.
    """
    from bansos360 import lakehouse

    t0 = time.monotonic()
    cfg = cfg or Config()
    lcfg = linkage_cfg or load_linkage_config(cfg.conf_dir)
    individu = lakehouse.read_table(spark, "silver", "individu", lake)
    kpm, dis, origin = _records_from_silver_or_bronze(spark, cfg, lake)
    out = score_frames(individu, kpm, dis, raw_dir, lcfg)
    out["stats"]["records_from"] = origin
    out["seconds"] = round(time.monotonic() - t0, 1)
    return out


def score_frames(individu: DataFrame, kpm: DataFrame, disabilitas: DataFrame, raw_dir: Path | str,
                 cfg: LinkageConfig | Config | None = None) -> dict:
    """Link ``kpm`` and ``disabilitas`` records (one :func:`link_to_dtks` run, as the silver build
    does) to ``individu`` and score them against ``<raw_dir>/_truth``.

    Returns :func:`evaluate`'s dict (disability records count as source ``DISABILITAS``) plus
    ``nik_ganda``: records and NIKs flagged by :func:`nik_ganda` over both sources, the truth's
    ``nik_ganda`` carriers (rows written with another person's NIK), how many of them were flagged,
    and how many flagged NIKs carry such a row; ``stats["linkage"]`` (counts, timings, the trained
    model) and ``seconds``.
    """
    t0 = time.monotonic()
    spark = individu.sparkSession
    lcfg = _as_linkage_config(cfg)
    raw_dir = Path(raw_dir)
    dis = disabilitas.withColumn("program", F.lit("DISABILITAS"))
    stats: dict = {"linkage": {}}
    # one run over both sources, as the silver build links them (bansos360.silver.build.build_links)
    links = [link_to_dtks(kpm.unionByName(dis, allowMissingColumns=True), individu, lcfg, stats=stats["linkage"])]
    truth = spark.read.parquet(str(raw_dir / "_truth" / "records.parquet"))
    pp = spark.read.parquet(str(raw_dir / "_truth" / "person_periods.parquet"))
    out = evaluate(links[0], truth, pp)

    t1 = time.monotonic()
    ganda = nik_ganda(kpm.unionByName(dis, allowMissingColumns=True), lcfg)
    flagged = ganda.select(*_places("_source_file", "_sheet", "_row_number"), "nik")
    anomalies = spark.read.parquet(str(raw_dir / "_truth" / "anomalies.parquet"))
    carriers = (anomalies.where(F.col("kind") == "nik_ganda")
                .select(*_places("file", "sheet", "row_number")).distinct().withColumn("_carrier", F.lit(True)))
    j = flagged.join(carriers, ["_f", "_s", "_r"], "left").persist()
    groups = j.groupBy("nik").agg(F.max(F.coalesce("_carrier", F.lit(False))).alias("_has_carrier"))
    out["nik_ganda"] = {
        "records_flagged": j.count(),
        "niks_flagged": groups.count(),
        "niks_flagged_with_carrier": groups.where("_has_carrier").count(),
        "carriers_in_truth": carriers.count(),
        "carriers_flagged": j.where(F.col("_carrier")).count(),
        "seconds": round(time.monotonic() - t1, 1),
    }
    j.unpersist()
    out["stats"] = stats
    out["seconds"] = round(time.monotonic() - t0, 1)
    return out


def _places(file_col: str, sheet_col: str, row_col: str) -> list[Column]:
    """(file name, sheet or '', row number) columns that match a record to its truth row."""
    return [F.regexp_extract(F.col(file_col), r"([^/\\!]+)$", 1).alias("_f"),
            F.coalesce(F.col(sheet_col), F.lit("")).alias("_s"), F.col(row_col).cast("int").alias("_r")]
