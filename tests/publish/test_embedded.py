"""The embedded PostgreSQL cluster: binaries, init, idempotent start, port choice, stop, CLI."""

import json
import os
import shutil
import socket
import tempfile
from pathlib import Path

import psycopg
import pytest
from typer.testing import CliRunner

from bansos360.cli import app
from bansos360.publish import embedded
from bansos360.publish.embedded import EmbeddedPostgres, EmbeddedPostgresError, find_bin_dir, free_port


def test_missing_binaries_name_what_to_install(monkeypatch):
    monkeypatch.setenv("BANSOS_PG_BIN", "/nonexistent/bin")
    monkeypatch.setenv("PATH", "/nonexistent")
    monkeypatch.setattr(embedded.glob, "glob", lambda pattern: [])
    with pytest.raises(EmbeddedPostgresError, match="apt-get install -y postgresql"):
        find_bin_dir()
    with pytest.raises(EmbeddedPostgresError, match="initdb"):
        EmbeddedPostgres("/nonexistent/data").start()


def test_refuses_a_non_cluster_folder(tmp_path):
    (tmp_path / "something.txt").write_text("x")
    with pytest.raises(EmbeddedPostgresError, match="not a PostgreSQL cluster"):
        EmbeddedPostgres(tmp_path).init()


def test_long_data_path_gets_a_short_socket_folder(tmp_path):
    pg = EmbeddedPostgres(tmp_path / ("x" * 120))
    assert pg._socket_dir() != pg.data_dir and len(str(pg._socket_dir())) < 90
    assert EmbeddedPostgres(tmp_path / "d")._socket_dir() == (tmp_path / "d").resolve()


@pytest.fixture
def cluster_dir():
    # reachable by the unprivileged OS user the server runs as when the tests run as root
    base = Path(tempfile.mkdtemp(prefix="bansos-pgemb-"))
    os.chmod(base, 0o755)
    yield base / "data"
    pg = EmbeddedPostgres(base / "data")
    if pg.initialized():
        pg.stop("immediate")
    shutil.rmtree(base, ignore_errors=True)


@pytest.mark.postgres
def test_start_is_idempotent_and_stop_restart(cluster_dir, monkeypatch):
    find_bin_dir()  # binaries present (the CI installs them); a clear error otherwise
    preferred = free_port(55600)
    with socket.socket() as busy:  # the configured port is taken: the next free one is used
        busy.bind(("127.0.0.1", preferred))
        busy.listen()
        pg = EmbeddedPostgres(cluster_dir, port=preferred, settings={"fsync": "off"})
        url = pg.start()
    assert pg.start() == url == pg.url()                      # already running: reused
    assert f"port={preferred}" not in url and f"host={cluster_dir}" in url
    with psycopg.connect(url, autocommit=True) as conn:
        assert conn.execute("SELECT current_database(), current_user, "
                            "current_setting('listen_addresses')").fetchone() == ("bansos360", "postgres", "localhost")
        assert conn.execute("SELECT count(*) FROM pg_available_extensions WHERE name = 'pg_trgm'").fetchone() == (1,)
    hba = [ln.split() for ln in (cluster_dir / "pg_hba.conf").read_text().splitlines() if ln and ln[0] != "#"]
    assert ["local", "all", "all", "trust"] in hba and all(r[-1] != "trust" for r in hba if r[0] == "host")
    if os.geteuid() == 0:  # PostgreSQL refuses root: the cluster belongs to an unprivileged user
        assert cluster_dir.stat().st_uid != 0
    status = pg.status()
    assert status["running"] and status["url"] == url

    monkeypatch.setenv("BANSOS_PG_DATA", str(cluster_dir))
    monkeypatch.delenv("BANSOS_PG_URL", raising=False)
    res = CliRunner().invoke(app, ["pg", "status"])
    assert res.exit_code == 0 and json.loads(res.stdout)["running"] is True
    res = CliRunner().invoke(app, ["pg", "url"])
    assert res.exit_code == 0 and res.stdout.strip() == url

    assert pg.stop() is True and not pg.running() and pg.stop() is False
    assert CliRunner().invoke(app, ["pg", "status"]).exit_code == 1
    res = CliRunner().invoke(app, ["pg", "url"])
    assert res.exit_code == 2 and "not running" in res.stderr
    url2 = EmbeddedPostgres(cluster_dir).start()             # restart on the existing data folder
    with psycopg.connect(url2) as conn:
        assert conn.execute("SELECT 1").fetchone() == (1,)
    assert CliRunner().invoke(app, ["pg", "stop"]).stdout.strip() == "stopped"
