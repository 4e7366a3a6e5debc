"""Where the Delta tables live and how they are named: ``<layer>.<table>`` at ``$BANSOS_LAKEHOUSE/<layer>/<table>``.

Tables are path-based Delta tables (no Hive metastore to run); ``register_tables`` makes them
queryable by name (``bronze.dtks_art``) in a session.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

log = logging.getLogger(__name__)

LAYERS = ("bronze", "silver", "gold")


def lakehouse_root(root: str | Path | None = None) -> Path:
    """The lakehouse folder: ``root``, else ``$BANSOS_LAKEHOUSE``, else ``./lakehouse``."""
    return Path(root or os.environ.get("BANSOS_LAKEHOUSE", "lakehouse")).resolve()


def table_path(layer: str, name: str, root: str | Path | None = None) -> str:
    """Filesystem path of table ``layer.name``."""
    if layer not in LAYERS:
        raise ValueError(f"unknown layer {layer!r}; expected one of {LAYERS}")
    return str(lakehouse_root(root) / layer / name)


def table_exists(spark, layer: str, name: str, root=None) -> bool:
    """True when a Delta table exists at ``layer.name``."""
    from delta.tables import DeltaTable

    return DeltaTable.isDeltaTable(spark, table_path(layer, name, root))


def read_table(spark, layer: str, name: str, root=None, version: int | None = None):
    """DataFrame of ``layer.name`` (optionally as of a Delta ``version``)."""
    reader = spark.read.format("delta")
    if version is not None:
        reader = reader.option("versionAsOf", version)
    return reader.load(table_path(layer, name, root))


def table_version(spark, layer: str, name: str, root=None) -> int | None:
    """Latest Delta version of ``layer.name``, or None when the table does not exist yet.

    On a local lakehouse the newest commit file in ``_delta_log`` answers without a Spark job.
    """
    from delta.tables import DeltaTable

    path = table_path(layer, name, root)
    log_dir = Path(path) / "_delta_log"
    if log_dir.is_dir():
        versions = [int(p.name[:20]) for p in log_dir.glob("*.json") if p.name[:20].isdigit()]
        return max(versions) if versions else None
    if not Path(path).exists() and "://" not in path:
        return None
    if not DeltaTable.isDeltaTable(spark, path):
        return None
    return DeltaTable.forPath(spark, path).history(1).select("version").first()[0]


def rows_written(path: str, version: int | None) -> int | None:
    """Rows of a local Delta table at ``version`` when that commit rewrote the whole table
    (``numOutputRows`` of an overwrite without a predicate); None otherwise (an append, a
    ``replaceWhere``, no metrics, not a local path): count the table instead."""
    import json

    if version is None:
        return None
    log_file = Path(path) / "_delta_log" / f"{version:020d}.json"
    if not log_file.is_file():
        return None
    for line in log_file.read_text().splitlines():
        info = json.loads(line).get("commitInfo")
        if not info:
            continue
        params = info.get("operationParameters", {})
        whole = params.get("mode") == "Overwrite" and params.get("predicate") in (None, "[]", "")
        if whole and "numOutputRows" in info.get("operationMetrics", {}):
            return int(info["operationMetrics"]["numOutputRows"])
    return None


def register_tables(spark, root=None) -> list[str]:
    """Register every existing Delta table as ``layer.name`` in the session catalog."""
    registered = []
    base = lakehouse_root(root)
    for layer in LAYERS:
        folder = base / layer
        if not folder.is_dir():
            continue
        spark.sql(f"CREATE DATABASE IF NOT EXISTS {layer}")
        for child in sorted(folder.iterdir()):
            if (child / "_delta_log").is_dir():
                name = f"{layer}.`{child.name}`"
                spark.sql(f"CREATE TABLE IF NOT EXISTS {name} USING delta LOCATION '{child}'")
                registered.append(f"{layer}.{child.name}")
    return registered
