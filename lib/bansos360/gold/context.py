"""What every mart function receives: the silver tables, the settings, the periods and helpers.

Mart functions stay pure: they take a :class:`GoldContext` (DataFrames + settings) and return a
DataFrame. Tests build a context from tiny frames with :meth:`GoldContext.of`; the gold build reads
the lakehouse with :meth:`GoldContext.from_lake`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from bansos360.config import Config, Settings
from bansos360.errors import BansosError

#: silver tables a context carries: attribute -> silver table name.
SILVER_TABLES = {
    "individu": "individu",
    "rumah_tangga": "rumah_tangga",
    "penerima": "penerima_bansos",
    "disabilitas": "disabilitas",
    "usulan": "usulan",
    "ref_wilayah": "ref_wilayah",
    "link_penerima": "link_penerima_dtks",
    "link_disabilitas": "link_disabilitas_dtks",
    "nik_ganda": "nik_ganda",
}

#: label used for a missing desil in every mart
NO_DESIL = "Tanpa desil"

#: DTKS program flags of ``silver.individu`` (boolean columns) and their labels
DTKS_FLAGS = {"ada_kks": "KKS", "ada_pbi": "KIS/PBI", "ada_kip": "KIP", "ada_pkh": "PKH", "ada_bpnt": "BPNT"}


@dataclass
class GoldContext:
    """Inputs of the marts. ``periods``: DTKS periods present in ``silver.individu``, oldest first;
    ``latest_period``: the last of them (the "latest DTKS" of the dashboards)."""

    spark: object
    settings: Settings
    conf_dir: Path
    individu: DataFrame
    rumah_tangga: DataFrame
    penerima: DataFrame
    disabilitas: DataFrame
    usulan: DataFrame
    ref_wilayah: DataFrame
    link_penerima: DataFrame
    link_disabilitas: DataFrame
    nik_ganda: DataFrame
    periods: list[str] = field(default_factory=list)

    @property
    def latest_period(self) -> str:
        return self.periods[-1]

    @property
    def previous_period(self) -> str | None:
        return self.periods[-2] if len(self.periods) > 1 else None

    # ------------------------------------------------------------------ construction
    @classmethod
    def of(cls, spark, cfg: Config | None = None, periods: list[str] | None = None, **frames: DataFrame):
        """A context from given frames (tests): frames not given are None (a mart that needs one
        fails loudly). Periods default to those in ``individu``."""
        cfg = cfg or Config()
        unknown = [a for a in frames if a not in SILVER_TABLES]
        if unknown:
            raise BansosError(f"GoldContext.of: unknown frames {unknown}; known: {list(SILVER_TABLES)}")
        frames = {a: frames.get(a) for a in SILVER_TABLES}
        if periods is None:
            periods = sorted(r[0] for r in frames["individu"].select("periode").distinct().collect())
        return cls(spark=spark, settings=cfg.settings, conf_dir=cfg.conf_dir, periods=periods, **frames)

    @classmethod
    def from_lake(cls, spark, cfg: Config | None = None, lake=None):
        """A context reading the silver tables of the lakehouse; a missing table is a clear error."""
        from bansos360 import lakehouse

        cfg = cfg or Config()
        frames = {}
        for attr, table in SILVER_TABLES.items():
            if not lakehouse.table_exists(spark, "silver", table, lake):
                raise BansosError(f"silver.{table} does not exist in {lakehouse.lakehouse_root(lake)}: "
                                  "run `bansos360 silver build` first")
            frames[attr] = lakehouse.read_table(spark, "silver", table, lake)
        periods = sorted(r[0] for r in frames["individu"].select("periode").distinct().collect())
        if not periods:
            raise BansosError("silver.individu is empty: no DTKS period to build gold from")
        return cls(spark=spark, settings=cfg.settings, conf_dir=cfg.conf_dir, periods=periods, **frames)

    # ------------------------------------------------------------------ helpers for marts
    def shared(self, key: str, build) -> DataFrame:
        """``build()`` once per context, persisted: frames several marts read (e.g. the KPM records
        with their links) are computed once per gold build. Same inputs, same frame: marts stay pure."""
        import threading

        lock = self.__dict__.setdefault("_shared_lock", threading.RLock())
        with lock:  # marts run in threads: build each shared frame once, materialized
            cache = self.__dict__.setdefault("_shared", {})
            if key not in cache:
                df = build().persist()
                df.count()
                cache[key] = df
            return cache[key]

    def release(self) -> None:
        """Unpersist every frame :meth:`shared` cached."""
        for df in self.__dict__.pop("_shared", {}).values():
            df.unpersist()

    def period_label(self, period: Column) -> Column:
        """Indonesian label of a period id column (``2020-10`` -> ``Oktober 2020``) from settings."""
        expr = F.lit(None).cast("string")
        for p in self.settings.periods:
            expr = F.when(period == p.id, F.lit(p.label)).otherwise(expr)
        return F.coalesce(expr, period)

    def desil_band(self, desil: Column, scheme: Column) -> Column:
        """Band label of a desil under its scheme, from ``settings.desil_schemes[*].bands``;
        :data:`NO_DESIL` when the desil is null or in no band. Never hard-code bands in a mart."""
        expr = F.lit(NO_DESIL)
        for name, s in reversed(list(self.settings.desil_schemes.items())):
            for label, values in reversed(list(s.bands.items())):
                expr = F.when((scheme == name) & desil.cast("int").isin(*values), F.lit(label)).otherwise(expr)
        return expr

    def desil_bands(self, scheme: str) -> dict[str, list[int]]:
        """Bands of one scheme: label -> desil values."""
        return dict(self.settings.desil_schemes[scheme].bands)
