"""Shared fixtures: one lazy, session-scoped SparkSession with Delta (built by bansos360.spark).

Spark is started only by tests that ask for it, so the generator and config tests stay fast.
"""

import os
import shutil
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def lakehouse_dir(tmp_path_factory) -> Path:
    """A scratch lakehouse for the whole session (tests use their own sub-folders)."""
    return tmp_path_factory.mktemp("lakehouse")


@pytest.fixture(scope="session")
def spark(lakehouse_dir):
    """The one SparkSession of the test run."""
    os.environ.setdefault("BANSOS_LAKEHOUSE", str(lakehouse_dir))
    from bansos360.spark import get_spark

    session = get_spark(
        "bansos360-tests",
        extra_conf={
            "spark.master": "local[2]",
            # One shuffle partition: test frames are tiny, more partitions only add task overhead.
            "spark.sql.shuffle.partitions": "1",
            # AQE re-plans per query; for tiny frames it costs more than it saves.
            "spark.sql.adaptive.enabled": "false",
            "spark.default.parallelism": "2",
            "spark.sql.warehouse.dir": str(lakehouse_dir / "_warehouse"),
            "spark.driver.memory": "2g",
            # Delta's optimized writes add a shuffle per write; not worth it for test tables.
            "spark.databricks.delta.optimizeWrite.enabled": "false",
            "spark.databricks.delta.snapshotPartitions": "1",
        },
    )
    yield session
    session.stop()


@pytest.fixture
def lake(tmp_path):
    """A fresh, empty lakehouse folder for one test."""
    path = tmp_path / "lakehouse"
    path.mkdir()
    yield path
    shutil.rmtree(path, ignore_errors=True)


# Generated data shared by the generator tests and the end-to-end tests: scale 0.01, once per session.
GEN_SCALE = 0.01


@pytest.fixture(scope="session")
def gen_messy(tmp_path_factory):
    """(folder, summary) of a messy generated run (the default)."""
    from bansos360.generate import generate

    out = tmp_path_factory.mktemp("gen_messy")
    return out, generate(out, scale=GEN_SCALE, seed=42)


@pytest.fixture(scope="session")
def gen_clean(tmp_path_factory):
    """(folder, summary) of a ``--clean`` generated run."""
    from bansos360.generate import generate

    out = tmp_path_factory.mktemp("gen_clean")
    return out, generate(out, scale=GEN_SCALE, seed=42, clean=True)
