"""Early warning: thresholds from config over gold tables, breaches stored, notifiers really called."""

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
import yaml

from bansos360 import lakehouse
from bansos360.config import Config
from bansos360.errors import ConfigError
from bansos360.gold import early_warning as ew

QUERY = """SELECT kode_kec AS scope_kode, nama_kecamatan AS scope_nama,
                  sum(tidak_ditemukan) / sum(kpm) AS nilai, sum(tidak_ditemukan) AS pembilang, sum(kpm) AS penyebut
           FROM mart_ew_test GROUP BY kode_kec, nama_kecamatan"""


def cfg(**kw):
    ind = {"name": "kpm_tidak_di_dtks", "description": "Porsi KPM tidak di DTKS", "scope": "kecamatan",
           "query": QUERY, "max": 0.10, "kritis": 0.30, "satuan": "persen", **kw}
    return ew.EarlyWarningConfig(indicators=[ind], notify={"webhook": {"url_env": "BANSOS_TEST_WEBHOOK"}})


@pytest.fixture
def gold_lake(spark, lake):
    rows = [("3503010", "Panggul", 100, 5), ("3503010", "Panggul", 100, 10),   # 7.5 %: fine
            ("3503020", "Munjungan", 50, 10),                                   # 20 %: peringatan
            ("3503030", "Pule", 10, 4)]                                          # 40 %: kritis
    spark.createDataFrame(rows, "kode_kec string, nama_kecamatan string, kpm long, tidak_ditemukan long") \
        .write.format("delta").save(lakehouse.table_path("gold", "mart_ew_test", lake))
    # the view is registered from the registry's names: register the test table for this test only
    from bansos360.gold import registry
    registry.register_table("mart_ew_test", dashboards=("test",), grain="test", description="test",
                            columns={"kode_kec": "", "nama_kecamatan": "", "kpm": "", "tidak_ditemukan": ""})
    yield lake
    registry.MARTS.pop("mart_ew_test", None)


def test_breaches_above_max_with_level(spark, gold_lake):
    got = sorted(ew.evaluate(spark, cfg(), gold_lake, "r1"), key=lambda b: b["scope_kode"])
    assert [(b["scope_kode"], b["tingkat"]) for b in got] == [("3503020", "peringatan"), ("3503030", "kritis")]
    assert got[0]["nilai"] == pytest.approx(0.2) and got[0]["pembilang"] == 10 and got[0]["penyebut"] == 50
    assert got[0]["ambang"] == 0.10 and got[0]["arah"] == "maks" and got[0]["run_id"] == "r1"


def test_min_direction(spark, gold_lake):
    got = ew.evaluate(spark, cfg(max=None, kritis=None, min=0.15), gold_lake)
    assert sorted(b["scope_kode"] for b in got) == ["3503010"] and got[0]["arah"] == "min"


def test_query_of_wrong_shape_or_failing_is_a_clear_error(spark, gold_lake):
    with pytest.raises(ew.EarlyWarningError, match="kpm_tidak_di_dtks.*scope_kode"):
        ew.evaluate(spark, cfg(query="SELECT 1 AS x"), gold_lake)
    with pytest.raises(ew.EarlyWarningError, match="query failed"):
        ew.evaluate(spark, cfg(query="SELECT * FROM no_such_mart"), gold_lake)


def test_config_errors_name_file_and_key(tmp_path):
    (tmp_path / "early_warning.yaml").write_text(yaml.safe_dump(
        {"indicators": [{"name": "x", "description": "d", "scope": "kecamatan", "query": "q", "max": 1, "min": 0}]}))
    with pytest.raises(ConfigError, match=r"early_warning\.yaml.*indicators\.0.*exactly one of max or min"):
        ew.load_config(tmp_path)


def test_shipped_config_is_valid():
    assert len(ew.load_config(Config().conf_dir).indicators) >= 3


def test_webhook_receives_the_breaches_and_a_dead_one_does_not_raise(monkeypatch):
    received = []

    class H(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *a):
            pass

    srv = HTTPServer(("127.0.0.1", 0), H)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    breach = {"indikator": "x", "deskripsi": "Porsi", "scope_kode": "3503020", "scope_nama": "Munjungan",
              "nilai": 0.2, "ambang": 0.1, "arah": "maks", "satuan": "persen", "tingkat": "peringatan"}
    try:
        monkeypatch.setenv("BANSOS_TEST_WEBHOOK", f"http://127.0.0.1:{srv.server_port}/hook")
        sent = ew.notify([breach], cfg())
        assert sent["webhook"] == 204 and received[0]["jumlah"] == 1
        assert received[0]["peringatan"][0]["scope_nama"] == "Munjungan"
        assert ew.notify([], cfg())["webhook"] is None  # nothing to say: nothing sent
    finally:
        srv.shutdown()
    monkeypatch.setenv("BANSOS_TEST_WEBHOOK", "http://127.0.0.1:9/closed")
    assert str(ew.notify([breach], cfg())["webhook"]).startswith("error")
