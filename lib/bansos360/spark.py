"""The one place a SparkSession is built (STYLE rule 4); library code receives it as an argument.

Delta Lake's jars must match the installed ``delta-spark`` and ``pyspark``. They are resolved
once and cached in ``$BANSOS_JAR_CACHE`` (default ``~/.cache/bansos360/jars``):

1. jars already in the cache are used as they are (offline after the first run);
2. else Maven (``mvn dependency:copy``), which uses the machine's own settings and mirrors;
3. else Ivy, with the ivy jar bundled inside pyspark, against the default Maven repository.

If all fail, ``SparkSetupError`` says what was tried. Under ``spark-submit`` (cluster or local)
nothing is resolved here: pass ``--packages io.delta:...`` or ``--jars`` to spark-submit.
"""

from __future__ import annotations

import glob
import logging
import os
import shutil
import subprocess
import tempfile
from importlib.metadata import version
from pathlib import Path

from bansos360.errors import SparkSetupError

log = logging.getLogger(__name__)

SCALA = "2.13"


def delta_artifacts() -> list[str]:
    """Maven coordinates of the Delta jars matching the installed delta-spark and pyspark."""
    import pyspark

    delta_version = version("delta-spark")
    spark_mm = ".".join(pyspark.__version__.split(".")[:2])
    return [
        f"io.delta:delta-spark_{spark_mm}_{SCALA}:{delta_version}",
        f"io.delta:delta-storage:{delta_version}",
    ]


def jar_cache_dir() -> Path:
    """Folder holding the cached Delta jars for this delta-spark version."""
    base = Path(os.environ.get("BANSOS_JAR_CACHE", Path.home() / ".cache" / "bansos360" / "jars"))
    return base / f"delta-{version('delta-spark')}"


def _jar_name(coord: str) -> str:
    _, artifact, ver = coord.split(":")
    return f"{artifact}-{ver}.jar"


def _cached(cache: Path, coords: list[str]) -> list[str] | None:
    paths = [cache / _jar_name(c) for c in coords]
    return [str(p) for p in paths] if all(p.is_file() and p.stat().st_size > 0 for p in paths) else None


def _fetch_with_maven(coords, dest: Path) -> str | None:
    mvn = shutil.which("mvn")
    if not mvn:
        return "mvn not found on PATH"
    for coord in coords:
        cmd = [mvn, "-B", "-q", "dependency:copy", f"-Dartifact={coord}", f"-DoutputDirectory={dest}"]
        res = subprocess.run(cmd, capture_output=True, text=True, timeout=600, cwd=tempfile.gettempdir())
        if res.returncode != 0:
            err = [ln for ln in res.stdout.splitlines() + res.stderr.splitlines() if "ERROR" in ln][:2]
            return f"mvn could not fetch {coord}: {' '.join(err) or res.returncode}"
    return None


def _fetch_with_ivy(coords, dest: Path) -> str | None:
    import pyspark

    java = shutil.which("java")
    ivy = sorted(glob.glob(os.path.join(os.path.dirname(pyspark.__file__), "jars", "ivy-*.jar")))
    if not java or not ivy:
        return "java or pyspark's ivy jar not found"
    for coord in coords:
        group, artifact, ver = coord.split(":")
        cmd = [java, "-jar", ivy[-1], "-dependency", group, artifact, ver, "-notransitive", "-retrieve", str(dest / "[artifact]-[revision].[ext]")]
        try:
            res = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
        except subprocess.TimeoutExpired:
            return f"ivy timed out fetching {coord}"
        if res.returncode != 0 or not (dest / _jar_name(coord)).is_file():
            return f"ivy could not fetch {coord}"
    return None


def ensure_delta_jars() -> list[str]:
    """Paths of the Delta jars, fetched into the cache on first use."""
    coords = delta_artifacts()
    cache = jar_cache_dir()
    found = _cached(cache, coords)
    if found:
        return found
    cache.mkdir(parents=True, exist_ok=True)
    log.info("fetching Delta Lake jars %s into %s (once)", coords, cache)
    problems = []
    for fetch in (_fetch_with_maven, _fetch_with_ivy):
        with tempfile.TemporaryDirectory(dir=cache) as tmp:
            problem = fetch(coords, Path(tmp))
            if problem is None:
                for coord in coords:  # move into place only when every jar arrived
                    os.replace(Path(tmp) / _jar_name(coord), cache / _jar_name(coord))
                return _cached(cache, coords)
            problems.append(problem)
    raise SparkSetupError(
        "cannot obtain the Delta Lake jars " + ", ".join(coords) + ": " + "; ".join(problems)
        + f". Put the jar files in {cache} by hand, or set BANSOS_SPARK_JARS to their paths."
    )


def _under_spark_submit() -> bool:
    # spark-submit starts the JVM first and hands Python its port: the session is configured there.
    return "PYSPARK_GATEWAY_PORT" in os.environ


def get_spark(app_name: str = "bansos360", extra_conf: dict | None = None):
    """Return the SparkSession with Delta Lake, building it on first call.

    Local defaults suit 2 cores: ``local[*]``, 4 shuffle partitions, AQE on, UI off.
    ``BANSOS_SPARK_MASTER`` overrides the master; ``BANSOS_SPARK_CONF`` adds ``k=v,k=v`` settings.
    """
    import sys

    from pyspark.sql import SparkSession

    # Python workers (used only to turn small local lists into DataFrames) must run this venv's
    # interpreter, not whatever `python3` is first on PATH.
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    active = SparkSession.getActiveSession()
    if active is not None:
        return active

    builder = SparkSession.builder.appName(app_name)
    builder = builder.config("spark.sql.extensions", "io.delta.sql.DeltaSparkSessionExtension")
    builder = builder.config("spark.sql.catalog.spark_catalog", "org.apache.spark.sql.delta.catalog.DeltaCatalog")
    conf = {
        # Local runs on 2 cores: a handful of partitions beats Spark's 200 by far.
        "spark.sql.shuffle.partitions": os.environ.get("BANSOS_SHUFFLE_PARTITIONS", "4"),
        "spark.sql.adaptive.enabled": "true",
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false",
        "spark.sql.session.timeZone": "Asia/Jakarta",
        # Text we land must never be mangled by a locale: dates are parsed explicitly.
        "spark.sql.legacy.timeParserPolicy": "CORRECTED",
        "spark.databricks.delta.schema.autoMerge.enabled": "false",
        # Delta rebuilds table state from its log in this many tasks (default 50): on 2 cores the
        # task overhead dominated small loads (15.7 s -> 5.9 s for a 3-row DTKS load).
        "spark.databricks.delta.snapshotPartitions": os.environ.get("BANSOS_DELTA_SNAPSHOT_PARTITIONS", "2"),
        "spark.databricks.delta.optimizeWrite.enabled": "false",
        # zstd: ~1/3 smaller than snappy on our text-heavy tables and no slower to write here.
        "spark.sql.parquet.compression.codec": "zstd",
        "spark.sql.warehouse.dir": str(Path(os.environ.get("BANSOS_LAKEHOUSE", "lakehouse")).resolve() / "_warehouse"),
    }
    if not _under_spark_submit():
        builder = builder.master(os.environ.get("BANSOS_SPARK_MASTER", "local[*]"))
        jars = os.environ.get("BANSOS_SPARK_JARS")
        conf["spark.jars"] = jars if jars else ",".join(ensure_delta_jars())
        # 8 GB: publish holds the largest mart as Arrow in the driver (7.5 M rows, ~1.1 GB at scale 4)
        conf["spark.driver.memory"] = os.environ.get("BANSOS_DRIVER_MEMORY", "8g")
        conf["spark.driver.maxResultSize"] = os.environ.get("BANSOS_DRIVER_MAX_RESULT_SIZE", "4g")
    for item in filter(None, os.environ.get("BANSOS_SPARK_CONF", "").split(",")):
        key, _, value = item.partition("=")
        conf[key.strip()] = value.strip()
    conf.update(extra_conf or {})
    for key, value in conf.items():
        builder = builder.config(key, value)
    try:
        spark = builder.getOrCreate()
    except Exception as exc:  # the JVM failing to start is not a bansos error, but say what to check
        raise SparkSetupError(f"could not start Spark ({exc}); check java (17+) and the Delta jars") from exc
    spark.sparkContext.setLogLevel(os.environ.get("BANSOS_SPARK_LOG_LEVEL", "ERROR"))
    return spark
