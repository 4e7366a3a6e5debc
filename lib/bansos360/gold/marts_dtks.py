"""Gold marts of the DTKS dashboards: D6 period comparison, D7 desil movement, D8 usulan vs penetapan,
D11 RFM segments and D12 disability.

Every mart is a pure function of a :class:`~bansos360.gold.context.GoldContext`; everything that
depends on the periods is keyed by ``ctx.periods`` (oldest first), so a new DTKS period needs no code
change. Desil bands come from ``ctx.desil_band`` (settings), RFM thresholds from ``conf/rfm.yaml`` and
the disability age groups from ``conf/gold_params.yaml``. Only built-in Spark functions, aggregates and
window functions are used (no Python UDF). Counts are ``long``, percentages ``double`` rounded to 2
decimals and null when the denominator is 0.

Place columns (wherever a row has a place): ``kode_kec`` (first 7 digits of ``kode_bps``),
``kode_bps``, ``nama_kecamatan``, ``nama_desa``. Rows whose desa is unknown keep null place columns.
"""

from __future__ import annotations

import math
from itertools import combinations
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator
from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F

from bansos360.config import Strict, load_yaml_model
from bansos360.gold.context import GoldContext
from bansos360.gold.registry import mart
from bansos360.silver import identity as idn
from bansos360.silver.linkage import LINKED_METHODS

# =========================================================================== shared helpers
PLACE = ["kode_kec", "kode_bps", "nama_kecamatan", "nama_desa"]
PLACE_COMMENTS = {
    "kode_kec": "Kode BPS kecamatan (7 digit pertama kode_bps); kolom pembatas akses per kecamatan",
    "kode_bps": "Kode BPS desa/kelurahan (10 digit)",
    "nama_kecamatan": "Nama kecamatan",
    "nama_desa": "Nama desa/kelurahan",
}
#: DTKS program flags of silver.individu -> short label used in the marts
#: match methods of the link tables that mean "linked to a DTKS individual"


def place_cols(kode_bps: str = "kode_bps", prefix: str = "") -> list[Column]:
    """The four place columns from ``kode_bps``/``nama_kecamatan``/``nama_desa`` (optionally prefixed)."""
    return [F.substring(F.col(f"{prefix}{kode_bps}"), 1, 7).alias("kode_kec"),
            F.col(f"{prefix}{kode_bps}").alias("kode_bps"),
            F.col(f"{prefix}nama_kecamatan").alias("nama_kecamatan"),
            F.col(f"{prefix}nama_desa").alias("nama_desa")]


def with_kode_kec(df: DataFrame) -> DataFrame:
    return df.withColumn("kode_kec", F.substring(F.col("kode_bps"), 1, 7))


def pct(num: Column, den: Column) -> Column:
    """``num / den * 100`` rounded to 2 decimals; null when ``den`` is 0 or null."""
    return F.when(den != 0, F.round(num.cast("double") * 100.0 / den, 2))


def require(ctx: GoldContext, *frames: str) -> None:
    """Fail loudly when a frame the mart needs is missing from the context."""
    missing = [f for f in frames if getattr(ctx, f) is None]
    if missing:
        raise ValueError(f"GoldContext lacks {missing}: this mart needs them")


def join_null_safe(left: DataFrame, right: DataFrame, keys: list[str], how: str = "left") -> DataFrame:
    """Join on ``keys`` treating null = null (unknown desa groups with unknown desa); right keys dropped."""
    r = right.select(*[F.col(k).alias(f"_r_{k}") for k in keys], *[c for c in right.columns if c not in keys])
    cond = None
    for k in keys:
        c = F.col(k).eqNullSafe(F.col(f"_r_{k}"))
        cond = c if cond is None else cond & c
    return left.join(r, cond, how).drop(*[f"_r_{k}" for k in keys])


def period_index(ctx: GoldContext, col: Column) -> Column:
    """Position of a period id in ``ctx.periods`` (0 = oldest); null when not a context period."""
    pairs = []
    for i, p in enumerate(ctx.periods):
        pairs += [F.lit(p), F.lit(i)]
    return F.create_map(*pairs)[col]


def label_of(col: Column, labels: dict[str, str], default: str | None = None) -> Column:
    expr = F.lit(default)
    for k, v in reversed(list(labels.items())):
        expr = F.when(col == k, F.lit(v)).otherwise(expr)
    return expr


def previous_pairs(ctx: GoldContext, periods: list[str] | None = None) -> DataFrame:
    """(periode, periode_sebelumnya) for every period after the first, in order."""
    ps = ctx.periods if periods is None else periods
    return ctx.spark.createDataFrame(list(zip(ps[1:], ps[:-1], strict=True)), "periode string, periode_sebelumnya string")


def family_key() -> Column:
    """Family of a DTKS individual: the valid KK number; without one, household + family number."""
    return F.coalesce(F.col("no_kk"), F.concat(F.lit("RT:"), F.col("idbdt"), F.lit("#"),
                                               F.coalesce(F.col("nuk").cast("string"), F.lit("?"))))


def sex_label(col: Column) -> Column:
    return F.when(col == "1", "Laki-laki").when(col == "2", "Perempuan").otherwise("Tidak diketahui")


# =========================================================================== config models
class RecencyConf(Strict):
    tinggi_max_lag: int = Field(ge=0, description="lag (periods back from the latest) still Tinggi")
    sedang_max_lag: int = Field(ge=0, description="lag still Sedang; beyond it Rendah")

    @model_validator(mode="after")
    def _ordered(self):
        if self.sedang_max_lag < self.tinggi_max_lag:
            raise ValueError(f"sedang_max_lag ({self.sedang_max_lag}) must be >= tinggi_max_lag "
                             f"({self.tinggi_max_lag})")
        return self


class FrequencyLevel(Strict):
    """A frequency threshold: ``min_share`` of the N periods (rounded up) or ``min_periods``."""

    min_share: float | None = Field(default=None, gt=0, le=1)
    min_periods: int | None = Field(default=None, ge=1)

    @model_validator(mode="after")
    def _exactly_one(self):
        if (self.min_share is None) == (self.min_periods is None):
            raise ValueError("give exactly one of min_share or min_periods")
        return self

    def periods_needed(self, n: int) -> int:
        """Minimum number of periods for this level when there are ``n`` periods (1..n)."""
        if self.min_share is not None:
            need = math.ceil(round(self.min_share * n, 9))
        else:
            need = self.min_periods
        return max(1, min(need, n))


class FrequencyConf(Strict):
    tinggi: FrequencyLevel
    sedang: FrequencyLevel

    def thresholds(self, n: int) -> tuple[int, int]:
        """(periods for Tinggi, periods for Sedang) with N = ``n``; Sedang never above Tinggi."""
        t = self.tinggi.periods_needed(n)
        return t, min(self.sedang.periods_needed(n), t)


RfmLevel = Literal["Tinggi", "Sedang", "Rendah"]


class Segment(Strict):
    recency: RfmLevel
    frequency: RfmLevel
    label: str = Field(min_length=1)


class RfmConfig(Strict):
    """``conf/rfm.yaml``."""

    recency: RecencyConf
    frequency: FrequencyConf
    segments: dict[str, Segment] = Field(min_length=9, max_length=9)

    @field_validator("segments")
    @classmethod
    def _all_pairs_once(cls, segments):
        seen: dict[tuple[str, str], str] = {}
        for code, s in segments.items():
            pair = (s.recency, s.frequency)
            if pair in seen:
                raise ValueError(f"segments {seen[pair]} and {code} both use recency={pair[0]}, frequency={pair[1]}")
            seen[pair] = code
        return segments


class AgeGroup(Strict):
    label: str = Field(min_length=1)
    min: int = Field(ge=0)
    max: int | None = Field(default=None, ge=0)

    @model_validator(mode="after")
    def _range(self):
        if self.max is not None and self.max < self.min:
            raise ValueError(f"max ({self.max}) is below min ({self.min})")
        return self


class GoldParams(Strict):
    """``conf/gold_params.yaml``."""

    kelompok_umur_disabilitas: list[AgeGroup] = Field(min_length=1)

    @field_validator("kelompok_umur_disabilitas")
    @classmethod
    def _ordered_disjoint(cls, groups):
        for a, b in zip(groups, groups[1:], strict=False):
            if a.max is None or b.min <= a.max:
                raise ValueError(f"age groups {a.label!r} and {b.label!r} overlap or are not youngest first")
        return groups


def load_rfm_config(conf_dir: Path | str) -> RfmConfig:
    return load_yaml_model(Path(conf_dir) / "rfm.yaml", RfmConfig)


def load_gold_params(conf_dir: Path | str) -> GoldParams:
    return load_yaml_model(Path(conf_dir) / "gold_params.yaml", GoldParams)


# =========================================================================== D6 period comparison
#: metric column -> Indonesian label, in dashboard order
D6_METRICS = {
    "jumlah_individu": "Individu (ART)",
    "jumlah_keluarga": "Keluarga (KK)",
    "jumlah_rumah_tangga": "Rumah tangga",
    "jumlah_kks": "Individu dengan KKS",
    "jumlah_pbi": "Individu dengan KIS/PBI",
    "jumlah_kip": "Individu dengan KIP",
    "jumlah_pkh": "Individu dengan PKH",
    "jumlah_bpnt": "Individu dengan BPNT",
}
_D6_FLAG_METRIC = {"ada_kks": "jumlah_kks", "ada_pbi": "jumlah_pbi", "ada_kip": "jumlah_kip",
                   "ada_pkh": "jumlah_pkh", "ada_bpnt": "jumlah_bpnt"}
_DESA = ["kode_bps", "nama_kecamatan", "nama_desa"]


@mart("mart_perbandingan_dtks", dashboards=("D6",),
      grain="one row per DTKS period x desa",
      description="Perbandingan DTKS antar periode: jumlah individu, keluarga, rumah tangga dan penanda "
                  "program (KKS, KIS/PBI, KIP, PKH, BPNT) per periode per desa.",
      columns={"periode": "Periode penetapan DTKS (YYYY-MM)",
               "periode_label": "Nama periode penetapan (mis. Oktober 2020)",
               **PLACE_COMMENTS,
               "jumlah_individu": "Jumlah individu (ART) DTKS",
               "jumlah_keluarga": "Jumlah keluarga: No. KK berbeda (tanpa KK valid: rumah tangga + nomor urut keluarga)",
               "jumlah_rumah_tangga": "Jumlah rumah tangga (IDBDT) DTKS",
               "jumlah_kks": "Jumlah individu dengan penanda KKS",
               "jumlah_pbi": "Jumlah individu dengan penanda KIS/PBI",
               "jumlah_kip": "Jumlah individu dengan penanda KIP",
               "jumlah_pkh": "Jumlah individu dengan penanda PKH",
               "jumlah_bpnt": "Jumlah individu dengan penanda BPNT"},
      kecamatan_column="kode_kec")
def mart_perbandingan_dtks(ctx: GoldContext) -> DataFrame:
    require(ctx, "individu", "rumah_tangga")
    ind = ctx.individu.where(F.col("periode").isin(ctx.periods))
    people = ind.groupBy("periode", *_DESA).agg(
        F.count(F.lit(1)).alias("jumlah_individu"),
        F.countDistinct(family_key()).alias("jumlah_keluarga"),
        *[F.count(F.when(F.col(flag), 1)).alias(m) for flag, m in _D6_FLAG_METRIC.items()])
    hh = (ctx.rumah_tangga.where(F.col("periode").isin(ctx.periods))
          .groupBy("periode", *_DESA).agg(F.count(F.lit(1)).alias("jumlah_rumah_tangga")))
    both = people.unionByName(hh, allowMissingColumns=True).groupBy("periode", *_DESA).agg(
        *[F.coalesce(F.sum(m), F.lit(0)).cast("long").alias(m) for m in D6_METRICS])
    return both.select("periode", ctx.period_label(F.col("periode")).alias("periode_label"),
                       *place_cols(), *D6_METRICS)


@mart("mart_perbandingan_dtks_pasangan", dashboards=("D6",),
      grain="one row per ordered period pair (periode_a < periode_b) x desa x metric",
      description="Perbandingan dua periode DTKS (pilih periode A dan B): nilai tiap metrik di kedua "
                  "periode, selisih dan persentase perubahan per desa.",
      columns={"periode_a": "Periode pembanding (lebih lama), YYYY-MM",
               "periode_a_label": "Nama periode pembanding",
               "periode_b": "Periode yang dibandingkan (lebih baru), YYYY-MM",
               "periode_b_label": "Nama periode yang dibandingkan",
               **PLACE_COMMENTS,
               "metrik": "Kode metrik (jumlah_individu, jumlah_keluarga, jumlah_rumah_tangga, jumlah_kks, ...)",
               "metrik_label": "Nama metrik",
               "urutan_metrik": "Urutan tampil metrik",
               "nilai_a": "Nilai metrik pada periode A",
               "nilai_b": "Nilai metrik pada periode B",
               "selisih": "Selisih nilai B - A",
               "persen_perubahan": "Perubahan (B - A) / A x 100 (%); kosong bila nilai A = 0"},
      kecamatan_column="kode_kec")
def mart_perbandingan_dtks_pasangan(ctx: GoldContext) -> DataFrame:
    base = mart_perbandingan_dtks(ctx)
    long = base.unpivot(["periode", *_DESA], list(D6_METRICS), "metrik", "nilai")
    pairs = ctx.spark.createDataFrame(list(combinations(ctx.periods, 2)), "periode_a string, periode_b string")
    j = long.join(F.broadcast(pairs), (F.col("periode") == F.col("periode_a")) | (F.col("periode") == F.col("periode_b")))
    agg = j.groupBy("periode_a", "periode_b", *_DESA, "metrik").agg(
        F.coalesce(F.sum(F.when(F.col("periode") == F.col("periode_a"), F.col("nilai"))), F.lit(0)).cast("long")
        .alias("nilai_a"),
        F.coalesce(F.sum(F.when(F.col("periode") == F.col("periode_b"), F.col("nilai"))), F.lit(0)).cast("long")
        .alias("nilai_b"))
    order = {m: i + 1 for i, m in enumerate(D6_METRICS)}
    return agg.select(
        "periode_a", ctx.period_label(F.col("periode_a")).alias("periode_a_label"),
        "periode_b", ctx.period_label(F.col("periode_b")).alias("periode_b_label"),
        *place_cols(), "metrik", label_of(F.col("metrik"), D6_METRICS).alias("metrik_label"),
        label_of(F.col("metrik"), {k: str(v) for k, v in order.items()}).cast("int").alias("urutan_metrik"),
        "nilai_a", "nilai_b", (F.col("nilai_b") - F.col("nilai_a")).alias("selisih"),
        pct(F.col("nilai_b") - F.col("nilai_a"), F.col("nilai_a")).alias("persen_perubahan"))


# =========================================================================== D7 desil movement
#: status -> (label, order). Desil 1 is the poorest: "naik" = the desil number went up = better off.
D7_STATUS = {
    "naik": ("Desil naik (kesejahteraan membaik)", 1),
    "tetap": ("Desil tetap", 2),
    "turun": ("Desil turun (kesejahteraan menurun)", 3),
    "graduasi": ("Graduasi (keluar dari DTKS)", 4),
    "baru": ("Baru masuk DTKS", 5),
    "tanpa_desil": ("Tanpa informasi desil", 6),
}
_STATUS_COMMENT = ("Status pergerakan: naik (nomor desil bertambah = lebih sejahtera; desil 1 termiskin), "
                   "tetap, turun, graduasi (ada di periode sebelumnya, tidak ada di periode ini), "
                   "baru (tidak ada di periode sebelumnya), tanpa_desil (ada di kedua periode, desil "
                   "salah satunya kosong)")


def _status_cols(col: Column) -> list[Column]:
    return [label_of(col, {k: v[0] for k, v in D7_STATUS.items()}).alias("status_label"),
            label_of(col, {k: str(v[1]) for k, v in D7_STATUS.items()}).cast("int").alias("urutan_status")]


def _movement(ctx: GoldContext) -> DataFrame:
    """One row per household per period (after the first) present in it or in the previous period."""
    require(ctx, "rumah_tangga")
    keep = ["idbdt", "desil", "desil_scheme", "nama_krt_mask", "nik_krt", *_DESA]
    rt = ctx.rumah_tangga.where(F.col("periode").isin(ctx.periods) & F.col("idbdt").isNotNull())
    pairs = F.broadcast(previous_pairs(ctx))
    cur = rt.select("periode", *keep).join(pairs, "periode").withColumn("_cur", F.lit(True))
    prv = (rt.select(F.col("periode").alias("periode_sebelumnya"), "idbdt",
                     *[F.col(c).alias(f"p_{c}") for c in keep if c != "idbdt"])
           .join(pairs, "periode_sebelumnya").withColumn("_prv", F.lit(True)))
    j = cur.join(prv, ["periode", "periode_sebelumnya", "idbdt"], "full")
    d, dp = F.col("desil"), F.col("p_desil")
    status = (F.when(F.col("_prv").isNull(), "baru").when(F.col("_cur").isNull(), "graduasi")
              .when(d.isNull() | dp.isNull(), "tanpa_desil")
              .when(d > dp, "naik").when(d == dp, "tetap").otherwise("turun"))
    here = F.col("_cur").isNotNull()
    return j.select(
        "periode", "periode_sebelumnya", "idbdt", status.alias("status"),
        F.col("p_desil").alias("desil_sebelumnya"), F.col("desil"),
        F.when(F.col("_prv").isNotNull(), ctx.desil_band(F.col("p_desil"), F.col("p_desil_scheme")))
        .alias("desil_band_sebelumnya"),
        F.when(here, ctx.desil_band(d, F.col("desil_scheme"))).alias("desil_band"),
        F.when(here, F.col("nama_krt_mask")).otherwise(F.col("p_nama_krt_mask")).alias("nama_krt_mask"),
        idn.mask_nik(F.when(here, F.col("nik_krt")).otherwise(F.col("p_nik_krt"))).alias("nik_krt_mask"),
        *[F.when(here, F.col(c)).otherwise(F.col(f"p_{c}")).alias(c) for c in _DESA],
        # desa of the household in the previous period: denominator of the percentages
        *[F.col(f"p_{c}").alias(f"_prev_{c}") for c in _DESA],
        F.col("_prv").isNotNull().alias("_in_prev"))


@mart("mart_pergerakan_desil_detail", dashboards=("D7",),
      # IDBDT links a row to a household's personal data: full table in terbatas, the public view
      # in gold drops it (names and NIK are masked columns already)
      pii={"idbdt": None},
      grain="one row per household (IDBDT) x period (from the second period) present in that period "
            "or in the previous one",
      description="Pergerakan desil rumah tangga dibanding periode DTKS sebelumnya (rincian, nama dan NIK "
                  "kepala rumah tangga disamarkan).",
      columns={"periode": "Periode penetapan DTKS (YYYY-MM)",
               "periode_label": "Nama periode",
               "periode_sebelumnya": "Periode DTKS sebelumnya (pembanding)",
               "periode_sebelumnya_label": "Nama periode sebelumnya",
               "idbdt": "ID rumah tangga DTKS (IDBDT)",
               "status": _STATUS_COMMENT,
               "status_label": "Keterangan status pergerakan",
               "urutan_status": "Urutan tampil status",
               "desil_sebelumnya": "Desil pada periode sebelumnya",
               "desil": "Desil pada periode ini",
               "desil_band_sebelumnya": "Kelompok desil pada periode sebelumnya",
               "desil_band": "Kelompok desil pada periode ini",
               "nama_krt_mask": "Nama kepala rumah tangga (disamarkan)",
               "nik_krt_mask": "NIK kepala rumah tangga (disamarkan)",
               **PLACE_COMMENTS},
      kecamatan_column="kode_kec", indexes=("idbdt",))
def mart_pergerakan_desil_detail(ctx: GoldContext) -> DataFrame:
    m = _movement(ctx)
    return m.select("periode", ctx.period_label(F.col("periode")).alias("periode_label"),
                    "periode_sebelumnya", ctx.period_label(F.col("periode_sebelumnya")).alias("periode_sebelumnya_label"),
                    "idbdt", "status", *_status_cols(F.col("status")), "desil_sebelumnya", "desil",
                    "desil_band_sebelumnya", "desil_band", "nama_krt_mask", "nik_krt_mask", *place_cols())


@mart("mart_pergerakan_desil", dashboards=("D7",),
      grain="one row per period (from the second) x desa x movement status",
      description="Jumlah rumah tangga per status pergerakan desil (naik, tetap, turun, graduasi, baru, "
                  "tanpa desil) per periode per desa, dengan persentase terhadap jumlah rumah tangga desa "
                  "pada periode sebelumnya.",
      columns={"periode": "Periode penetapan DTKS (YYYY-MM)",
               "periode_label": "Nama periode",
               "periode_sebelumnya": "Periode DTKS sebelumnya (pembanding)",
               "periode_sebelumnya_label": "Nama periode sebelumnya",
               **PLACE_COMMENTS,
               "status": _STATUS_COMMENT,
               "status_label": "Keterangan status pergerakan",
               "urutan_status": "Urutan tampil status",
               "jumlah_rumah_tangga": "Jumlah rumah tangga dengan status ini (desa: lokasi periode ini; "
                                      "graduasi: lokasi periode sebelumnya)",
               "jumlah_rt_sebelumnya": "Jumlah rumah tangga DTKS desa ini pada periode sebelumnya",
               "persen_dari_sebelumnya": "Jumlah rumah tangga / jumlah rumah tangga periode sebelumnya x 100 (%)"},
      kecamatan_column="kode_kec")
def mart_pergerakan_desil(ctx: GoldContext) -> DataFrame:
    m = _movement(ctx)
    counts = m.groupBy("periode", "periode_sebelumnya", *_DESA, "status").agg(
        F.count(F.lit(1)).cast("long").alias("jumlah_rumah_tangga"))
    prev = (m.where(F.col("_in_prev")).groupBy("periode", *[F.col(f"_prev_{c}").alias(c) for c in _DESA])
            .agg(F.count(F.lit(1)).cast("long").alias("jumlah_rt_sebelumnya")))
    j = join_null_safe(counts, prev, ["periode", *_DESA])
    den = F.coalesce(F.col("jumlah_rt_sebelumnya"), F.lit(0)).cast("long")
    return j.select("periode", ctx.period_label(F.col("periode")).alias("periode_label"),
                    "periode_sebelumnya", ctx.period_label(F.col("periode_sebelumnya")).alias("periode_sebelumnya_label"),
                    *place_cols(), "status", *_status_cols(F.col("status")), "jumlah_rumah_tangga",
                    den.alias("jumlah_rt_sebelumnya"), pct(F.col("jumlah_rumah_tangga"), den).alias("persen_dari_sebelumnya"))


# =========================================================================== D8 usulan vs penetapan
D8_LEVELS = {"rumah_tangga": ("Rumah tangga", 1), "keluarga": ("Keluarga", 2), "individu": ("Individu", 3)}


def _usulan_units(ctx: GoldContext) -> DataFrame:
    """One row per proposed unit (level x period x key) with ``ditetapkan`` and its place."""
    require(ctx, "usulan", "individu")
    blank_null = lambda c: F.when(F.trim(F.col(c)) != "", F.trim(F.col(c)))  # noqa: E731
    us = ctx.usulan.where(F.col("periode").isNotNull()).select(
        "periode", "record_id", F.col("nik"), F.col("no_kk"), blank_null("idbdt").alias("idbdt"),
        F.coalesce(F.upper(F.trim(F.col("jenis_usulan"))), F.lit("TIDAK DIKETAHUI")).alias("jenis_usulan"),
        F.struct(*_DESA).alias("_place"))
    ind = ctx.individu.where(F.col("periode").isin(ctx.periods))

    def found(col: str, flag: str) -> DataFrame:
        # DTKS rows are first cut to the proposed keys (a broadcast semi join, no shuffle of DTKS)
        proposed = F.broadcast(us.where(F.col(col).isNotNull()).select("periode", col).distinct())
        return (ind.select("periode", col).join(proposed, ["periode", col], "left_semi").distinct()
                .withColumn(flag, F.lit(True)))

    niks, kks, hhs = found("nik", "_nik_ok"), found("no_kk", "_kk_ok"), found("idbdt", "_rt_ok")
    us = (us.join(niks, ["periode", "nik"], "left").join(kks, ["periode", "no_kk"], "left")
          .join(hhs, ["periode", "idbdt"], "left"))
    nik_ok = F.coalesce(F.col("_nik_ok"), F.lit(False))
    kk_ok = F.coalesce(F.col("_kk_ok"), F.lit(False))
    rt_ok = F.coalesce(F.col("_rt_ok"), F.lit(False))
    rec = F.concat(F.lit("REC:"), F.col("record_id"))
    keys = {
        # a new household has no IDBDT yet: its proposed family (KK) stands for it
        "rumah_tangga": (F.coalesce(F.col("idbdt"), F.concat(F.lit("KK:"), F.col("no_kk")), rec), rt_ok | kk_ok | nik_ok),
        "keluarga": (F.coalesce(F.col("no_kk"), rec), kk_ok | nik_ok),
        "individu": (F.coalesce(F.col("nik"), rec), nik_ok),
    }
    units = None
    for level, (key, ok) in keys.items():
        u = us.groupBy("periode", key.alias("_key")).agg(
            F.max(ok).alias("ditetapkan"), F.max("_place").alias("_place"), F.max("jenis_usulan").alias("jenis_usulan"))
        u = u.withColumn("tingkat", F.lit(level))
        units = u if units is None else units.unionByName(u)
    return units.select("periode", "tingkat", "jenis_usulan", "ditetapkan", *[F.col(f"_place.{c}").alias(c) for c in _DESA])


@mart("mart_usulan_penetapan", dashboards=("D8",),
      grain="one row per target period x level (rumah_tangga/keluarga/individu) x jenis_usulan x desa",
      description="Usulan daerah dibanding hasil penetapan DTKS: jumlah yang diusulkan dan yang ditetapkan "
                  "(muncul di DTKS periode tujuan) per tingkat rumah tangga, keluarga dan individu, per desa, "
                  "dibanding periode sebelumnya.",
      columns={"periode": "Periode penetapan tujuan usulan (YYYY-MM)",
               "periode_label": "Nama periode penetapan",
               "tingkat": "Tingkat: rumah_tangga (IDBDT; usulan baru tanpa IDBDT: No. KK), keluarga (No. KK), "
                          "individu (NIK)",
               "tingkat_label": "Nama tingkat",
               "urutan_tingkat": "Urutan tampil tingkat",
               "jenis_usulan": "Jenis usulan (BARU / PERBAIKAN / ...)",
               **PLACE_COMMENTS,
               "dtks_tersedia": "Benar bila DTKS periode tujuan sudah dimuat (jumlah ditetapkan dapat dihitung)",
               "jumlah_diusulkan": "Jumlah unit yang diusulkan",
               "jumlah_ditetapkan": "Jumlah unit yang ditetapkan: rumah tangga bila IDBDT, No. KK atau NIK "
                                    "anggotanya ada di DTKS periode tujuan; keluarga bila No. KK atau NIK "
                                    "anggotanya ada; individu bila NIK valid ada",
               "persen_ditetapkan": "Ditetapkan / diusulkan x 100 (%)",
               "periode_sebelumnya": "Periode penetapan sebelumnya",
               "jumlah_diusulkan_sebelumnya": "Jumlah diusulkan pada periode sebelumnya (desa, tingkat dan "
                                              "jenis yang sama)",
               "jumlah_ditetapkan_sebelumnya": "Jumlah ditetapkan pada periode sebelumnya",
               "persen_ditetapkan_sebelumnya": "Persen ditetapkan pada periode sebelumnya (%)",
               "selisih_persen_ditetapkan": "Persen ditetapkan dikurangi persen periode sebelumnya (poin persen)"},
      kecamatan_column="kode_kec")
def mart_usulan_penetapan(ctx: GoldContext) -> DataFrame:
    units = _usulan_units(ctx)
    present = [r[0] for r in ctx.usulan.select("periode").distinct().collect() if r[0] is not None]
    periods = sorted(set(ctx.periods) | set(present))
    avail = F.col("periode").isin(ctx.periods)
    agg = units.groupBy("periode", "tingkat", "jenis_usulan", *_DESA).agg(
        F.count(F.lit(1)).cast("long").alias("jumlah_diusulkan"),
        F.count(F.when(F.col("ditetapkan"), 1)).cast("long").alias("_ditetapkan"))
    agg = (agg.withColumn("dtks_tersedia", avail)
           .withColumn("jumlah_ditetapkan", F.when(avail, F.col("_ditetapkan"))).drop("_ditetapkan")
           .withColumn("persen_ditetapkan", pct(F.col("jumlah_ditetapkan"), F.col("jumlah_diusulkan"))))
    keys = ["tingkat", "jenis_usulan", *_DESA]
    agg = agg.join(F.broadcast(previous_pairs(ctx, periods)), "periode", "left")
    prev = agg.select(F.col("periode").alias("periode_sebelumnya"), *keys,
                      F.col("jumlah_diusulkan").alias("jumlah_diusulkan_sebelumnya"),
                      F.col("jumlah_ditetapkan").alias("jumlah_ditetapkan_sebelumnya"),
                      F.col("persen_ditetapkan").alias("persen_ditetapkan_sebelumnya"))
    j = join_null_safe(agg, prev, ["periode_sebelumnya", *keys])
    return j.select(
        "periode", ctx.period_label(F.col("periode")).alias("periode_label"), "tingkat",
        label_of(F.col("tingkat"), {k: v[0] for k, v in D8_LEVELS.items()}).alias("tingkat_label"),
        label_of(F.col("tingkat"), {k: str(v[1]) for k, v in D8_LEVELS.items()}).cast("int").alias("urutan_tingkat"),
        "jenis_usulan", *place_cols(), "dtks_tersedia", "jumlah_diusulkan", "jumlah_ditetapkan", "persen_ditetapkan",
        "periode_sebelumnya", "jumlah_diusulkan_sebelumnya", "jumlah_ditetapkan_sebelumnya",
        "persen_ditetapkan_sebelumnya",
        F.round(F.col("persen_ditetapkan") - F.col("persen_ditetapkan_sebelumnya"), 2).alias("selisih_persen_ditetapkan"))


# =========================================================================== D11 RFM
_RFM_COMMENTS = {
    "recency": "Kelas recency: Tinggi (terakhir terdaftar di periode terbaru), Sedang, Rendah (ambang di conf/rfm.yaml)",
    "frequency": "Kelas frequency: Tinggi, Sedang, Rendah menurut jumlah periode terdaftar (ambang di conf/rfm.yaml)",
    "segmen": "Segmen RFM A..I dari pasangan (recency, frequency)",
    "segmen_label": "Keterangan segmen RFM",
}


def rfm_households(ctx: GoldContext, cfg: RfmConfig | None = None) -> DataFrame:
    """One row per IDBDT seen in any context period, with its R and F classes and segment."""
    require(ctx, "rumah_tangga")
    cfg = cfg or load_rfm_config(ctx.conf_dir)
    n = len(ctx.periods)
    f_t, f_s = cfg.frequency.thresholds(n)
    rt = (ctx.rumah_tangga.where(F.col("periode").isin(ctx.periods) & F.col("idbdt").isNotNull())
          .withColumn("_idx", period_index(ctx, F.col("periode"))))
    last = F.struct("periode", "desil", "desil_scheme", "nama_krt_mask", "nik_krt", "no_kk_krt", *_DESA)
    h = rt.groupBy("idbdt").agg(F.countDistinct("periode").alias("_freq"), F.max("_idx").alias("_last_idx"),
                                F.collect_set("periode").alias("_set"), F.max(last).alias("_l"))
    lag = F.lit(n - 1) - F.col("_last_idx")
    rec = (F.when(lag <= cfg.recency.tinggi_max_lag, "Tinggi").when(lag <= cfg.recency.sedang_max_lag, "Sedang")
           .otherwise("Rendah"))
    freq = F.when(F.col("_freq") >= f_t, "Tinggi").when(F.col("_freq") >= f_s, "Sedang").otherwise("Rendah")
    h = h.withColumns({"recency": rec, "frequency": freq})
    seg = F.lit(None).cast("string")
    seg_label = F.lit(None).cast("string")
    for code, s in cfg.segments.items():
        hit = (F.col("recency") == s.recency) & (F.col("frequency") == s.frequency)
        seg = F.when(hit, F.lit(code)).otherwise(seg)
        seg_label = F.when(hit, F.lit(s.label)).otherwise(seg_label)
    pattern = F.concat(*[F.when(F.array_contains("_set", p), "1").otherwise("0") for p in ctx.periods])
    return h.select(
        "idbdt", *place_cols(prefix="_l."),
        F.col("_l.nama_krt_mask").alias("nama_krt_mask"), idn.mask_nik(F.col("_l.nik_krt")).alias("nik_krt_mask"),
        idn.mask_nik(F.col("_l.no_kk_krt")).alias("no_kk_krt_mask"),
        F.col("_l.periode").alias("periode_terakhir"), ctx.period_label(F.col("_l.periode")).alias("periode_terakhir_label"),
        F.col("_freq").cast("long").alias("jumlah_periode"), F.lit(n).cast("long").alias("jumlah_periode_total"),
        F.array_join(F.array_sort("_set"), ", ").alias("periode_terdaftar"), pattern.alias("pola_kehadiran"),
        "recency", "frequency", seg.alias("segmen"), seg_label.alias("segmen_label"),
        F.col("_l.desil").alias("desil_terakhir"), F.col("_l.desil_scheme").alias("desil_scheme"),
        ctx.desil_band(F.col("_l.desil"), F.col("_l.desil_scheme")).alias("desil_band"))


@mart("mart_rfm", dashboards=("D11",),
      # IDBDT links a row to a household's personal data: full table in terbatas, the public view
      # in gold drops it (names and NIK are masked columns already)
      pii={"idbdt": None},
      grain="one row per household (IDBDT) seen in any DTKS period",
      description="Segmentasi RFM rumah tangga DTKS lintas periode (recency = kapan terakhir terdaftar, "
                  "frequency = berapa periode terdaftar); nama, NIK dan No. KK kepala rumah tangga disamarkan.",
      columns={"idbdt": "ID rumah tangga DTKS (IDBDT)",
               **PLACE_COMMENTS,
               "nama_krt_mask": "Nama kepala rumah tangga (disamarkan), periode terakhir",
               "nik_krt_mask": "NIK kepala rumah tangga (disamarkan), periode terakhir",
               "no_kk_krt_mask": "No. KK kepala rumah tangga (disamarkan), periode terakhir",
               "periode_terakhir": "Periode DTKS terakhir rumah tangga terdaftar (YYYY-MM)",
               "periode_terakhir_label": "Nama periode terakhir terdaftar",
               "jumlah_periode": "Jumlah periode DTKS rumah tangga terdaftar",
               "jumlah_periode_total": "Jumlah seluruh periode DTKS (N)",
               "periode_terdaftar": "Daftar periode terdaftar (YYYY-MM, dipisah koma)",
               "pola_kehadiran": "Pola kehadiran per periode, urut dari terlama: 1 = terdaftar, 0 = tidak",
               **_RFM_COMMENTS,
               "desil_terakhir": "Desil pada periode terakhir terdaftar",
               "desil_scheme": "Skema desil periode terakhir (dtks4 / dtsen10)",
               "desil_band": "Kelompok desil pada periode terakhir terdaftar"},
      kecamatan_column="kode_kec", indexes=("idbdt",))
def mart_rfm(ctx: GoldContext) -> DataFrame:
    return rfm_households(ctx)


@mart("mart_rfm_ringkasan", dashboards=("D11",),
      grain="one row per desa x RFM segment x desil band",
      description="Jumlah dan persentase rumah tangga per segmen RFM, per desa dan kelompok desil terakhir.",
      columns={**PLACE_COMMENTS,
               "segmen": "Segmen RFM A..I", "segmen_label": "Keterangan segmen RFM",
               "recency": _RFM_COMMENTS["recency"], "frequency": _RFM_COMMENTS["frequency"],
               "desil_band": "Kelompok desil pada periode terakhir terdaftar",
               "jumlah_rumah_tangga": "Jumlah rumah tangga",
               "persen_dari_desa": "Persentase terhadap seluruh rumah tangga RFM desa ini (%)",
               "persen_dari_kabupaten": "Persentase terhadap seluruh rumah tangga RFM kabupaten (%)"},
      kecamatan_column="kode_kec")
def mart_rfm_ringkasan(ctx: GoldContext) -> DataFrame:
    h = rfm_households(ctx)
    agg = h.groupBy(*_DESA, "segmen", "segmen_label", "recency", "frequency", "desil_band").agg(
        F.count(F.lit(1)).cast("long").alias("jumlah_rumah_tangga"))
    desa_total = F.sum("jumlah_rumah_tangga").over(Window.partitionBy(*_DESA))
    all_total = F.sum("jumlah_rumah_tangga").over(Window.partitionBy(F.lit(1)))
    return agg.select(*place_cols(), "segmen", "segmen_label", "recency", "frequency", "desil_band",
                      "jumlah_rumah_tangga", pct(F.col("jumlah_rumah_tangga"), desa_total).alias("persen_dari_desa"),
                      pct(F.col("jumlah_rumah_tangga"), all_total).alias("persen_dari_kabupaten"))


# =========================================================================== D12 disability
D12_CATEGORIES = {
    "di_dtks_dan_menerima": "Di DTKS terbaru dan menerima bansos",
    "di_dtks_tidak_menerima": "Di DTKS terbaru, tidak menerima bansos",
    "tidak_di_dtks": "Tidak di DTKS terbaru",
}
_UNKNOWN = "Tidak diketahui"


def _age_group(age: Column, groups: list[AgeGroup]) -> Column:
    expr = F.lit(_UNKNOWN)
    for g in reversed(groups):
        cond = age >= g.min if g.max is None else age.between(g.min, g.max)
        expr = F.when(cond, F.lit(g.label)).otherwise(expr)
    return expr


def disability_persons(ctx: GoldContext) -> DataFrame:
    """One row per disability register record: DTKS link, bansos received, age group, category."""
    require(ctx, "disabilitas", "link_disabilitas", "link_penerima", "penerima", "individu", "rumah_tangga")
    params = load_gold_params(ctx.conf_dir)
    dis = ctx.disabilitas
    link = ctx.link_disabilitas.select(
        "record_id", F.when(F.col("match_method").isin(*LINKED_METHODS), F.col("idartbdt")).alias("idartbdt"),
        F.when(F.col("match_method").isin(*LINKED_METHODS), F.col("idbdt")).alias("idbdt"),
        F.when(F.col("match_method").isin(*LINKED_METHODS), F.col("periode")).alias("periode_dtks"),
        F.coalesce(F.col("in_latest") & F.col("match_method").isin(*LINKED_METHODS), F.lit(False)).alias("di_dtks"),
        "match_method", "match_probability")
    lp = ctx.link_penerima.where(F.col("idartbdt").isNotNull() & F.col("match_method").isin(*LINKED_METHODS))
    progs_by_art = lp.groupBy("idartbdt").agg(F.collect_set("program").alias("_p_art"))
    progs_by_nik = (ctx.penerima.where(F.col("nik").isNotNull()).groupBy("nik")
                    .agg(F.collect_set("program").alias("_p_nik")))
    ind = ctx.individu.select(F.col("idartbdt"), F.col("periode").alias("periode_dtks"),
                              *[F.col(c).alias(f"d_{c}") for c in _DESA])
    rt = ctx.rumah_tangga.select("idbdt", F.col("periode").alias("periode_dtks"), "desil", "desil_scheme")
    j = (dis.join(link, "record_id", "left")
         .join(progs_by_art, "idartbdt", "left").join(progs_by_nik, "nik", "left")
         .join(ind, ["idartbdt", "periode_dtks"], "left").join(rt, ["idbdt", "periode_dtks"], "left"))
    progs = F.array_sort(F.array_distinct(F.concat(F.coalesce("_p_art", F.array().cast("array<string>")),
                                                   F.coalesce("_p_nik", F.array().cast("array<string>")))))
    j = j.withColumn("_progs", progs)
    receives = F.size("_progs") > 0
    cat = (F.when(F.col("di_dtks") & receives, "di_dtks_dan_menerima")
           .when(F.col("di_dtks"), "di_dtks_tidak_menerima").otherwise("tidak_di_dtks"))
    age = F.floor(F.months_between(F.to_date(F.concat(F.col("periode"), F.lit("-01"))), F.col("tanggal_lahir")) / 12)
    own = F.col("kode_bps").isNotNull()
    return j.select(
        "periode", "record_id", "nik", "nik_mask", "nama", "nama_mask", "jenis_kelamin",
        sex_label(F.col("jenis_kelamin")).alias("jenis_kelamin_label"), "tanggal_lahir",
        age.cast("int").alias("umur"), _age_group(age, params.kelompok_umur_disabilitas).alias("kelompok_umur"),
        F.coalesce(F.col("jenis_disabilitas"), F.lit(_UNKNOWN)).alias("jenis_disabilitas"), "alamat",
        *[F.when(own, F.col(c)).otherwise(F.col(f"d_{c}")).alias(c) for c in _DESA],
        F.coalesce(F.col("match_method"), F.lit("none")).alias("match_method"), "match_probability",
        "idartbdt", "idbdt", "periode_dtks", "di_dtks", F.col("idartbdt").isNotNull().alias("pernah_di_dtks"),
        F.col("desil"), F.when(F.col("di_dtks"), ctx.desil_band(F.col("desil"), F.col("desil_scheme")))
        .alias("desil_band"),
        receives.alias("menerima_bansos"), F.when(receives, F.array_join("_progs", ", ")).alias("program_bansos"),
        cat.alias("kategori"))


_D12_CAT_COMMENT = ("Kategori: di_dtks_dan_menerima (tertaut ke DTKS periode terbaru dan menerima bansos), "
                    "di_dtks_tidak_menerima, tidak_di_dtks (tidak tertaut ke DTKS periode terbaru)")


@mart("mart_disabilitas", dashboards=("D12",),
      grain="one row per register period x desa x sex x disability type x age group x category x receives-bansos",
      description="Penyandang disabilitas (register Dinas Sosial) per desa, jenis kelamin, jenis disabilitas "
                  "dan kelompok umur, dipadankan dengan DTKS terbaru dan daftar penerima bansos.",
      columns={"periode": "Periode register disabilitas (YYYY-MM)",
               **PLACE_COMMENTS,
               "jenis_kelamin_label": "Jenis kelamin",
               "jenis_disabilitas": "Jenis disabilitas",
               "kelompok_umur": "Kelompok umur (conf/gold_params.yaml) pada awal periode register",
               "kategori": _D12_CAT_COMMENT,
               "kategori_label": "Keterangan kategori",
               "menerima_bansos": "Benar bila menerima bansos: tertaut ke individu DTKS yang tertaut ke daftar "
                                  "KPM, atau NIK valid yang sama ada di daftar KPM",
               "jumlah_orang": "Jumlah penyandang disabilitas"},
      kecamatan_column="kode_kec")
def mart_disabilitas(ctx: GoldContext) -> DataFrame:
    p = disability_persons(ctx)
    dims = ["periode", *_DESA, "jenis_kelamin_label", "jenis_disabilitas", "kelompok_umur", "kategori", "menerima_bansos"]
    agg = p.groupBy(*dims).agg(F.count(F.lit(1)).cast("long").alias("jumlah_orang"))
    return agg.select("periode", *place_cols(), "jenis_kelamin_label", "jenis_disabilitas", "kelompok_umur",
                      "kategori", label_of(F.col("kategori"), D12_CATEGORIES).alias("kategori_label"),
                      "menerima_bansos", "jumlah_orang")


@mart("mart_disabilitas_detail", dashboards=("D12",), schema="terbatas",
      grain="one row per person of the disability register",
      description="Rincian penyandang disabilitas dengan status padanan DTKS dan penerimaan bansos "
                  "(data terbatas; NIK dan nama disamarkan pada tampilan umum).",
      columns={"periode": "Periode register disabilitas (YYYY-MM)",
               "record_id": "ID baris register (periode|file|sheet|baris)",
               "nik": "NIK (16 digit valid, selain itu kosong)",
               "nik_mask": "NIK disamarkan",
               "nama": "Nama", "nama_mask": "Nama disamarkan",
               "jenis_kelamin": "Kode jenis kelamin (1 laki-laki, 2 perempuan)",
               "jenis_kelamin_label": "Jenis kelamin",
               "tanggal_lahir": "Tanggal lahir",
               "umur": "Umur (tahun) pada awal periode register",
               "kelompok_umur": "Kelompok umur",
               "jenis_disabilitas": "Jenis disabilitas",
               "alamat": "Alamat menurut register",
               **{**PLACE_COMMENTS, "kode_bps": "Kode BPS desa (register; bila tidak cocok, dari DTKS tertaut)"},
               "match_method": "Metode padanan ke DTKS: nik_latest, nik_history, probabilistic, nik_name_conflict, none",
               "match_probability": "Probabilitas padanan (1 untuk NIK dengan nama sesuai)",
               "idartbdt": "ID individu DTKS tertaut",
               "idbdt": "ID rumah tangga DTKS tertaut",
               "periode_dtks": "Periode DTKS terakhir tempat individu tertaut ditemukan",
               "di_dtks": "Benar bila tertaut ke DTKS periode terbaru",
               "pernah_di_dtks": "Benar bila tertaut ke DTKS periode mana pun",
               "desil": "Desil rumah tangga tertaut pada periode_dtks",
               "desil_band": "Kelompok desil (hanya bila di DTKS terbaru)",
               "menerima_bansos": "Benar bila menerima bansos (lihat mart_disabilitas)",
               "program_bansos": "Program bansos yang diterima (dipisah koma)",
               "kategori": _D12_CAT_COMMENT},
      pii={"nik": "nik_mask", "nama": "nama_mask", "tanggal_lahir": None, "alamat": None},
      indexes=("nik", "idartbdt"), trigram=("nama",), kecamatan_column="kode_kec")
def mart_disabilitas_detail(ctx: GoldContext) -> DataFrame:
    return disability_persons(ctx).select("periode", "record_id", "nik", "nik_mask", "nama", "nama_mask",
                                          "jenis_kelamin", "jenis_kelamin_label", "tanggal_lahir", "umur",
                                          "kelompok_umur", "jenis_disabilitas", "alamat", *place_cols(),
                                          "match_method", "match_probability", "idartbdt", "idbdt", "periode_dtks",
                                          "di_dtks", "pernah_di_dtks", "desil", "desil_band", "menerima_bansos",
                                          "program_bansos", "kategori")
