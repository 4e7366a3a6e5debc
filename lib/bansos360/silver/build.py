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


class Run:
    """One silver build run: its id, the quality rules, and the results collected so far."""

    def __init__(self, cfg: Config):
        import uuid

        from bansos360.silver import quality

        self.id = time.strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:8]
        self.rules = quality.load_rules(cfg.conf_dir)
        self.results: list[dict] = []

    def write(self, df: DataFrame, name: str, batch: str | None, predicate: str | None, partition: str | None,
              lake) -> int:
        """Check the table's quality rules on ``df`` (blocking failure: nothing written), then write it."""
        from bansos360.silver import quality

        rules = self.rules.for_table(name)
        df = df.persist()
        try:
            if rules:
                try:
                    self.results += quality.check_batch(df, name, batch or "all", rules, self.id)
                except quality.QualityError:
                    self.flush(df.sparkSession, lake, failed=(name, batch, rules, df))
                    raise
            return _replace(df, name, predicate, partition, lake)
        finally:
            df.unpersist()

    def flush(self, spark, lake, failed=None) -> None:
        """Append the collected results to ``silver._quality`` (with the failing batch's, if any)."""
        from bansos360.silver import quality

        rows = list(self.results)
        if failed is not None:  # re-evaluate without raising so the failing counts are stored too
            name, batch, rules, df = failed
            rows += quality.check_batch(df, name, batch or "all", [r.model_copy(update={"blocking": False})
                                                                  for r in rules], self.id)
        if rows:
            spark.createDataFrame(quality.results_table(rows)).write.format("delta").mode("append").save(
                lakehouse.table_path("silver", "_quality", lake))
        self.results = []


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


def build_dtks(spark, cfg: Config, periods: list[str] | None = None, lake=None, run: Run | None = None) -> dict:
    """Rebuild ``silver.individu`` and ``silver.rumah_tangga`` for ``periods`` (default: all in bronze)."""
    own_run = run is None
    run = run or Run(cfg)
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
        v_ind = run.write(ind, "individu", period, f"periode = '{period}'", "periode", lake)
        ind_saved = lakehouse.read_table(spark, "silver", "individu", lake).where(F.col("periode") == period)
        hh = (dtks.rumah_tangga(rt, ind_saved, period, codes, p.desil_scheme, scheme.max_desil)
              .transform(wilayah.with_wilayah_from_bps("kdkec", "kddesa")))
        v_rt = run.write(hh, "rumah_tangga", period, f"periode = '{period}'", "periode", lake)
        out[period] = {"individu_version": v_ind, "rumah_tangga_version": v_rt,
                       "seconds": round(time.monotonic() - t0, 1)}
        log.info("silver %s: individu v%s, rumah_tangga v%s in %.1fs", period, v_ind, v_rt, out[period]["seconds"])
    if own_run:
        run.flush(spark, lake)
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
                  periods: list[str] | None = None, run: Run | None = None) -> dict:
    """Rebuild ``silver.penerima_bansos`` (per program), ``silver.disabilitas`` and ``silver.usulan``
    (per period) from bronze; only the given programs/periods when named (incremental)."""
    from bansos360.silver import penerima as pn

    own_run = run is None
    run = run or Run(cfg)
    prov, kec_prefixes, aliases, codes = _context(spark, cfg)
    out = {}
    if lakehouse.table_exists(spark, "bronze", "kpm", lake):
        kpm = lakehouse.read_table(spark, "bronze", "kpm", lake)
        for prog in programs if programs is not None else _batches(kpm, "_program"):
            df = pn.penerima_bansos(kpm.where(F.col("_program") == prog), prov, kec_prefixes, aliases)
            out[f"penerima_bansos:{prog}"] = run.write(df, "penerima_bansos", prog, f"program = '{prog}'", "program",
                                                       lake)
    for table, fn in (("disabilitas", lambda d: pn.disabilitas(d, prov, kec_prefixes, aliases, codes)),
                      ("usulan", lambda d: pn.usulan(d, prov, kec_prefixes, aliases))):
        if not lakehouse.table_exists(spark, "bronze", table, lake):
            continue
        src = lakehouse.read_table(spark, "bronze", table, lake)
        for period in periods if periods is not None else _batches(src, "_period"):
            df = fn(src.where(F.col("_period") == period))
            out[f"{table}:{period}"] = run.write(df, table, period, f"periode = '{period}'", "periode", lake)
    log.info("silver sources: %s", out)
    if own_run:
        run.flush(spark, lake)
    return out


def build_all(spark, cfg: Config, lake=None, periods: list[str] | None = None,
              programs: list[str] | None = None) -> dict:
    """The whole silver build that exists so far: DTKS tables, then the other sources; one quality run."""
    run = Run(cfg)
    try:
        out = {"dtks": build_dtks(spark, cfg, periods=periods, lake=lake, run=run),
               "sources": build_sources(spark, cfg, lake=lake, programs=programs, periods=periods, run=run)}
    finally:
        run.flush(spark, lake)
    return out
