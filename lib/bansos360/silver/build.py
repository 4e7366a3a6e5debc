"""Silver build (DTKS part): ``silver.individu``, ``silver.rumah_tangga`` and ``silver.ref_wilayah``.

Each period is rebuilt from bronze and written with ``replaceWhere periode = '<p>'``, so adding a
DTKS period recomputes only that period and re-running is idempotent. KPM recipients, disability,
usulan, record linkage and quality rules are the rest of the silver issue (not built yet).
"""

from __future__ import annotations

import logging
import time

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from bansos360 import lakehouse
from bansos360.config import Config
from bansos360.errors import BansosError
from bansos360.silver import codes as cd
from bansos360.silver import dtks, wilayah

log = logging.getLogger(__name__)


def _replace(df: DataFrame, name: str, predicate: str | None, partition: str | None, lake) -> int:
    path = lakehouse.table_path("silver", name, lake)
    writer = df.write.format("delta")
    if predicate and lakehouse.table_exists(df.sparkSession, "silver", name, lake):
        writer = writer.mode("overwrite").option("replaceWhere", predicate)
    else:
        writer = writer.mode("overwrite")
        if partition and not lakehouse.table_exists(df.sparkSession, "silver", name, lake):
            writer = writer.partitionBy(partition)
    writer.save(path)
    return lakehouse.table_version(df.sparkSession, "silver", name, lake)


def bronze_periods(spark, lake=None) -> list[str]:
    """Periods present in ``bronze.dtks_art``, oldest first."""
    if not lakehouse.table_exists(spark, "bronze", "dtks_art", lake):
        raise BansosError("bronze.dtks_art does not exist yet: run `bansos360 ingest dtks` first")
    art = lakehouse.read_table(spark, "bronze", "dtks_art", lake)
    return sorted(r[0] for r in art.select("_period").distinct().collect())


def build_dtks(spark, cfg: Config, periods: list[str] | None = None, lake=None) -> dict:
    """Rebuild ``silver.individu`` and ``silver.rumah_tangga`` for ``periods`` (default: all in bronze)."""
    settings = cfg.settings
    codes = cd.load_codes(cfg.conf_dir)
    ref = wilayah.ref_wilayah(spark)
    kec_prefixes = sorted({r["nik_kec_prefix"] for r in ref.select("nik_kec_prefix").collect()})
    _replace(ref, "ref_wilayah", None, None, lake)
    todo = periods or bronze_periods(spark, lake)
    art = lakehouse.read_table(spark, "bronze", "dtks_art", lake)
    rt = lakehouse.read_table(spark, "bronze", "dtks_rt", lake)
    out = {}
    for period in todo:
        t0 = time.monotonic()
        p = settings.period(period)
        scheme = settings.desil_schemes[p.desil_scheme]
        ind = (dtks.individu(art, period, codes, settings.region.kode_prov, kec_prefixes)
               .transform(wilayah.with_wilayah_from_bps("kdkec", "kddesa")))
        v_ind = _replace(ind, "individu", f"periode = '{period}'", "periode", lake)
        ind_saved = lakehouse.read_table(spark, "silver", "individu", lake).where(F.col("periode") == period)
        hh = (dtks.rumah_tangga(rt, ind_saved, period, codes, p.desil_scheme, scheme.max_desil)
              .transform(wilayah.with_wilayah_from_bps("kdkec", "kddesa")))
        v_rt = _replace(hh, "rumah_tangga", f"periode = '{period}'", "periode", lake)
        out[period] = {"individu_version": v_ind, "rumah_tangga_version": v_rt,
                       "seconds": round(time.monotonic() - t0, 1)}
        log.info("silver %s: individu v%s, rumah_tangga v%s in %.1fs", period, v_ind, v_rt, out[period]["seconds"])
    return out


def _context(spark, cfg: Config):
    """Values every silver build needs: region, NIK kecamatan prefixes, wilayah aliases, code lists."""
    ref = wilayah.ref_kecamatan(spark)
    kec_prefixes = sorted(r["nik_kec_prefix"] for r in ref.select("nik_kec_prefix").collect())
    return (cfg.settings.region.kode_prov, kec_prefixes, wilayah.load_wilayah_aliases(cfg.conf_dir),
            cd.load_codes(cfg.conf_dir))


def _batches(df: DataFrame, col: str) -> list[str]:
    return sorted(r[0] for r in df.select(col).distinct().collect())


def build_sources(spark, cfg: Config, lake=None, programs: list[str] | None = None,
                  periods: list[str] | None = None) -> dict:
    """Rebuild ``silver.penerima_bansos`` (per program), ``silver.disabilitas`` and ``silver.usulan``
    (per period) from bronze; only the given programs/periods when named (incremental)."""
    from bansos360.silver import penerima as pn

    prov, kec_prefixes, aliases, codes = _context(spark, cfg)
    out = {}
    if lakehouse.table_exists(spark, "bronze", "kpm", lake):
        kpm = lakehouse.read_table(spark, "bronze", "kpm", lake)
        for prog in programs or _batches(kpm, "_program"):
            df = pn.penerima_bansos(kpm.where(F.col("_program") == prog), prov, kec_prefixes, aliases)
            out[f"penerima_bansos:{prog}"] = _replace(df, "penerima_bansos", f"program = '{prog}'", "program", lake)
    for table, fn in (("disabilitas", lambda d: pn.disabilitas(d, prov, kec_prefixes, aliases, codes)),
                      ("usulan", lambda d: pn.usulan(d, prov, kec_prefixes, aliases))):
        if not lakehouse.table_exists(spark, "bronze", table, lake):
            continue
        src = lakehouse.read_table(spark, "bronze", table, lake)
        for period in periods or _batches(src, "_period"):
            df = fn(src.where(F.col("_period") == period))
            out[f"{table}:{period}"] = _replace(df, table, f"periode = '{period}'", "periode", lake)
    log.info("silver sources: %s", out)
    return out
