"""Shared fixtures: one lazy, session-scoped SparkSession with Delta (built by bansos360.spark).

Spark is started only by tests that ask for it, so the generator and config tests stay fast.
"""

import os
import shutil
import tempfile
import uuid
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo


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


# A real PostgreSQL for the publish and end-to-end tests: $BANSOS_PG_URL when set (needs CREATEDB
# and CREATEROLE), else an embedded cluster started once per session in a temporary folder. Each
# test gets its own database (pg_url), dropped afterwards. Roles are cluster-wide, so the group and
# kecamatan roles are shared; login roles made by tests are dropped by login_role.
@pytest.fixture(scope="session")
def pg_admin_url():
    """Superuser-ish URL of the test server."""
    url = os.environ.get("BANSOS_PG_URL")
    if url:
        yield url
        return
    from bansos360.publish.embedded import EmbeddedPostgres, EmbeddedPostgresError, free_port

    # Not under pytest's tmp folder: that is private (0700) and, when the tests run as root, the
    # server runs as an unprivileged OS user who must reach the data folder.
    base = Path(tempfile.mkdtemp(prefix="bansos-pgtest-"))
    os.chmod(base, 0o755)
    pg = EmbeddedPostgres(base / "data", port=free_port(55400), database="postgres",
                          settings={"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off"})
    try:
        url = pg.start()
    except EmbeddedPostgresError as exc:
        if os.environ.get("BANSOS_PG_TESTS") == "skip":
            pytest.skip(f"no PostgreSQL: {exc}")
        raise
    yield url
    pg.stop("immediate")
    shutil.rmtree(base, ignore_errors=True)


@contextmanager
def _database(admin_url):
    name = f"bansos_t_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield make_conninfo(admin_url, dbname=name)
    finally:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.fixture
def pg_url(pg_admin_url):
    """URL of a fresh, empty database (dropped after the test)."""
    with _database(pg_admin_url) as url:
        yield url


@pytest.fixture(scope="module")
def pg_module_url(pg_admin_url):
    """URL of a fresh database shared by the tests of one module (for read-only tests)."""
    with _database(pg_admin_url) as url:
        yield url


@pytest.fixture
def login_role(pg_admin_url):
    """``make(*groups) -> conninfo``: a LOGIN role member of ``groups`` and a URL (for a given database) to log in."""
    made = []

    def make(db_url, *groups):
        name = f"bansos_t_user_{uuid.uuid4().hex[:8]}"
        password = uuid.uuid4().hex
        with psycopg.connect(pg_admin_url, autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(sql.Identifier(name), sql.Literal(password)))
            for g in groups:
                conn.execute(sql.SQL("GRANT {} TO {}").format(sql.Identifier(g), sql.Identifier(name)))
        made.append(name)
        params = conninfo_to_dict(db_url)
        params.update(user=name, password=password)
        return make_conninfo(**params)

    yield make
    with psycopg.connect(pg_admin_url, autocommit=True) as conn:
        for name in made:
            conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(name)))
