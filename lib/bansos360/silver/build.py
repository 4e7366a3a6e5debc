"""Silver build (DTKS part): ``silver.individu``, ``silver.rumah_tangga`` and ``silver.ref_wilayah``.

Each period is rebuilt from bronze and written with ``replaceWhere periode = '<p>'``, so adding a
DTKS period recomputes only that period and re-running is idempotent. :func:`build_sources` does
the same for KPM lists (per program), disability and usulan (per period); :func:`build_links` links
KPM and disability records to DTKS individuals and lists NIK ganda (``silver.linkage``).
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

#: ``program`` value given to disability-register records where they sit beside KPM records
#: (one linkage run, ``silver.nik_ganda``).
DISABILITY_PROGRAM = "DISABILITAS"


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


def build_links(spark, cfg: Config, lake=None, programs: list[str] | None = None, run: Run | None = None,
                dtks_changed: bool = True) -> dict:
    """Link KPM records (``silver.link_penerima_dtks``) and disability records
    (``silver.link_disabilitas_dtks``) to ``silver.individu``; rebuild ``silver.nik_ganda``.

    Links depend on every DTKS period (the latest one decides ``nik_latest``), so when DTKS changed
    (``dtks_changed``) every link is recomputed; when only some program lists changed, only their
    links are (``replaceWhere program IN (...)``). Returns counts per method and timings.
    """
    from bansos360.silver import linkage as lk

    own_run = run is None
    run = run or Run(cfg)
    lcfg = lk.load_linkage_config(cfg.conf_dir)
    out: dict = {}
    if not lakehouse.table_exists(spark, "silver", "individu", lake):
        raise BansosError("silver.individu does not exist yet: build DTKS before linking")
    individu = lakehouse.read_table(spark, "silver", "individu", lake)
    # Both sources in one linkage run: DTKS persons are prepared once and Splink trains on both.
    frames, tables = [], []
    if lakehouse.table_exists(spark, "silver", "penerima_bansos", lake):
        kpm = lakehouse.read_table(spark, "silver", "penerima_bansos", lake)
        todo = None if dtks_changed or programs is None else list(programs)
        if todo is not None:
            kpm = kpm.where(F.col("program").isin(*todo))
        frames.append(kpm)
        tables.append(("link_penerima_dtks", F.col("program") != DISABILITY_PROGRAM, todo, "program"))
    if lakehouse.table_exists(spark, "silver", "disabilitas", lake) and dtks_changed:
        frames.append(lakehouse.read_table(spark, "silver", "disabilitas", lake)
                      .withColumn("program", F.lit(DISABILITY_PROGRAM)))
        tables.append(("link_disabilitas_dtks", F.col("program") == DISABILITY_PROGRAM, None, None))
    if frames:
        t0 = time.monotonic()
        recs = frames[0] if len(frames) == 1 else frames[0].unionByName(frames[1], allowMissingColumns=True)
        stats: dict = {}
        links = lk.link_to_dtks(recs, individu, lcfg, stats=stats)
        out["linkage"] = {"seconds": round(time.monotonic() - t0, 1),
                          "splink": {k: v for k, v in stats.items() if k != "model"}}
        for table, which, todo, part in tables:
            df = links.where(which)
            if part is None:
                df = df.drop("program")
            predicate = None
            if todo is not None:
                predicate = "program IN (" + ", ".join(f"'{p}'" for p in todo) + ")"
            version = run.write(df, table, ",".join(todo) if todo else "all", predicate, part, lake)
            methods = {r[0]: r[1] for r in df.groupBy("match_method").count().collect()}
            out[table] = {"version": version, "methods": methods}
            log.info("silver %s v%s: %s", table, version, methods)
    # NIK ganda across every KPM list and the disability register (cheap: rebuilt whole)
    frames = []
    if lakehouse.table_exists(spark, "silver", "penerima_bansos", lake):
        frames.append(lakehouse.read_table(spark, "silver", "penerima_bansos", lake))
    if lakehouse.table_exists(spark, "silver", "disabilitas", lake):
        frames.append(lakehouse.read_table(spark, "silver", "disabilitas", lake)
                      .withColumn("program", F.lit(DISABILITY_PROGRAM)))
    if frames:
        t0 = time.monotonic()
        recs = frames[0] if len(frames) == 1 else frames[0].unionByName(frames[1], allowMissingColumns=True)
        version = run.write(lk.nik_ganda(recs, lcfg), "nik_ganda", "all", None, None, lake)
        out["nik_ganda"] = {"version": version, "seconds": round(time.monotonic() - t0, 1)}
    if own_run:
        run.flush(spark, lake)
    return out


def build_all(spark, cfg: Config, lake=None, periods: list[str] | None = None,
              programs: list[str] | None = None) -> dict:
    """The whole silver build: DTKS tables, the other sources, then linkage; one quality run.

    With ``periods`` only those DTKS periods (and the disability/usulan batches of those periods)
    are rebuilt; with only ``programs`` no DTKS period is rebuilt and only those programs' links.
    """
    run = Run(cfg)
    try:
        dtks_changed = periods is not None or programs is None
        # a new DTKS period does not change any KPM list: rebuild program lists only when asked/all
        src_programs = programs if programs is not None else ([] if periods is not None else None)
        src_periods = periods if periods is not None else ([] if programs is not None else None)
        out = {"dtks": build_dtks(spark, cfg, periods=periods, lake=lake, run=run) if dtks_changed else {},
               "sources": build_sources(spark, cfg, lake=lake, programs=src_programs, periods=src_periods,
                                        run=run)}
        out["links"] = build_links(spark, cfg, lake=lake, programs=programs, run=run, dtks_changed=dtks_changed)
    finally:
        run.flush(spark, lake)
    return out
