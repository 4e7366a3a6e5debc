"""Gold build: run every registered mart on the silver tables and write ``gold.<mart>`` (Delta).

Marts are aggregates or per-person/per-household views over *all* periods, so each is rewritten
whole (``overwrite`` + ``overwriteSchema``): a rebuild is idempotent, and a new DTKS period or
program list reaches every mart that depends on it. Each mart is checked before it is written (its
columns equal those its registry entry documents, no duplicate key when the mart declares one);
a failing mart stops the build with the mart's name and the previous version stays readable
(Delta keeps every version). After the marts, early-warning indicators are evaluated
(``bansos360.gold.early_warning``) into ``gold.peringatan``. Every run appends one row per mart
to ``gold._builds`` (rows, Delta version, seconds).
"""

from __future__ import annotations

import datetime as dt
import logging
import time
import uuid
from concurrent.futures import ThreadPoolExecutor, as_completed

from pyspark.sql import DataFrame

from bansos360 import lakehouse
from bansos360.config import Config
from bansos360.errors import BansosError
from bansos360.gold import registry
from bansos360.gold.context import GoldContext

log = logging.getLogger(__name__)


#: rows per Parquet file of a gold table (see :func:`write_mart`)
MAX_RECORDS_PER_FILE = 250_000


class GoldBuildError(BansosError):
    """A mart could not be built or does not match its documentation."""


def check_mart(m: registry.Mart, df: DataFrame) -> None:
    """The mart's columns are exactly the documented ones, in order."""
    documented = list(m.columns)
    if df.columns != documented:
        missing = [c for c in documented if c not in df.columns]
        extra = [c for c in df.columns if c not in documented]
        raise GoldBuildError(f"gold.{m.name}: columns differ from its registry entry "
                             f"(undocumented: {extra}; documented but missing: {missing}; "
                             f"order: {df.columns})")
    bad_pii = [c for c, mask in m.pii.items() if c not in documented or (mask and mask not in documented)]
    if bad_pii:
        raise GoldBuildError(f"gold.{m.name}: pii entries name unknown columns {bad_pii}")
    if m.kecamatan_column and m.kecamatan_column not in documented:
        raise GoldBuildError(f"gold.{m.name}: kecamatan_column {m.kecamatan_column!r} is not a column")


def write_mart(m: registry.Mart, df: DataFrame, lake=None) -> tuple[int, int]:
    """Overwrite ``gold.<m.name>`` with ``df`` (one Spark job); returns (rows, Delta version).

    The row count comes from the Delta commit's own metrics (``numOutputRows``), so the mart is
    computed once, not once to count and once to write."""
    check_mart(m, df)
    w = df.write.format("delta").mode("overwrite").option("overwriteSchema", "true")
    # A mart is always read whole (publish, cross-checks): per-file column statistics for data
    # skipping would never be used, and computing them over 60-column detail marts costs time.
    w = w.option("delta.dataSkippingNumIndexedCols", "0")
    # Files of bounded rows: publish then reads a detail mart in bounded pieces (one 6 M-row file
    # at scale 4 made one Arrow task result larger than the 4 GB driver heap).
    w = w.option("maxRecordsPerFile", str(MAX_RECORDS_PER_FILE))
    if m.partition_by:
        w = w.partitionBy(*m.partition_by)
    path = lakehouse.table_path("gold", m.name, lake)
    w.save(path)
    version = lakehouse.table_version(df.sparkSession, "gold", m.name, lake)
    rows = lakehouse.rows_written(path, version)
    if rows is None:  # not a local table or no metrics: count what was written
        rows = lakehouse.read_table(df.sparkSession, "gold", m.name, lake).count()
    return rows, version


def selected_marts(names: list[str] | None = None) -> list[registry.Mart]:
    """Registered marts in registration order (only ``names`` when given; unknown names are an error)."""
    marts = {n: m for n, m in registry.load_all().items() if m.fn is not None}
    if not names:
        return list(marts.values())
    unknown = [n for n in names if n not in marts]
    if unknown:
        raise GoldBuildError(f"unknown gold mart(s) {unknown}; known: {sorted(marts)}")
    return [marts[n] for n in names]


def build_gold(spark, cfg: Config | None = None, lake=None, marts: list[str] | None = None,
               early_warning: bool = True, parallel: int = 3) -> dict:
    """Build every mart (or ``marts``) from the lakehouse's silver tables, ``parallel`` at a time;
    then early warning. The first failing mart stops the build (marts already written stay)."""
    cfg = cfg or Config()
    run_id = time.strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:8]
    t_all = time.monotonic()
    ctx = GoldContext.from_lake(spark, cfg, lake)
    # the silver inputs are read by many marts: cache the narrow, hot ones once
    cached = [ctx.link_penerima.persist(), ctx.penerima.persist()]
    out: dict = {"run_id": run_id, "latest_period": ctx.latest_period, "marts": {}}
    log_rows = []
    try:
        todo = selected_marts(marts)

        def one(m: registry.Mart) -> tuple:
            t0 = time.monotonic()
            started = dt.datetime.now(dt.UTC)
            try:
                df = m.fn(ctx)
            except BansosError:
                raise
            except Exception as exc:
                raise GoldBuildError(f"gold.{m.name} failed: {type(exc).__name__}: {exc}") from exc
            rows, version = write_mart(m, df, lake)
            return m, rows, version, started, round(time.monotonic() - t0, 1)

        # Marts are independent: a few run at once so one mart's driver-side work (planning, Delta
        # commit) overlaps another's tasks. Frames several marts share are built once (ctx.shared).
        with ThreadPoolExecutor(max_workers=max(1, parallel), thread_name_prefix="gold") as pool:
            futures = [pool.submit(one, m) for m in todo]
            for i, fut in enumerate(as_completed(futures), 1):
                m, rows, version, started, secs = fut.result()
                out["marts"][m.name] = {"rows": rows, "version": version, "seconds": secs}
                log.info("gold %d/%d %s: %s rows, v%s, %.1fs", i, len(todo), m.name, rows, version, secs)
                log_rows.append((run_id, m.name, ",".join(m.dashboards), rows, version, started,
                                 dt.datetime.now(dt.UTC), secs))
        if early_warning:
            from bansos360.gold import early_warning as ew

            out["peringatan"] = ew.evaluate_and_notify(spark, cfg, lake, run_id)
    finally:
        ctx.release()
        for df in cached:
            df.unpersist()
        if log_rows:
            schema = ("run_id string, mart string, dashboards string, rows long, delta_version long, "
                      "started_at timestamp, finished_at timestamp, seconds double")
            spark.createDataFrame(log_rows, schema).write.format("delta").mode("append").save(
                lakehouse.table_path("gold", "_builds", lake))
    out["seconds"] = round(time.monotonic() - t_all, 1)
    return out
