"""Publishing gold marts to a real PostgreSQL: types, comments, indexes, atomic swap, roles, RLS, masking.

The marts are :class:`Mart` objects built here (not the global registry), written as Delta tables
to the test's own lakehouse.
"""

import datetime as dt
import threading
import time
from decimal import Decimal

import psycopg
import pytest
from psycopg import errors, sql

from bansos360 import lakehouse
from bansos360.gold.registry import Mart
from bansos360.publish import pg as publish_pg
from bansos360.publish.pg import PublishError, placement, publish

pytestmark = pytest.mark.postgres

KEC_A, KEC_B = "3503010", "3503020"
CODES = [KEC_A, KEC_B, "3503030"]


def _fn(ctx):  # the publish never calls the mart function
    raise AssertionError


AGREGAT = Mart(
    name="mart_uji_agregat", fn=_fn, dashboards=("D1",), grain="one row per kecamatan",
    description="Uji: jumlah KPM per kecamatan",
    columns={"kode_kec": "Kode kecamatan BPS (7 digit)", "jumlah": "Jumlah KPM", "total": "Jumlah jiwa (bigint)",
             "persen": "Persentase", "periode": "Periode DTKS", "aktif": "Masih aktif",
             "nilai": "Nilai bantuan (Rp)", "program": "Daftar program", "dibuat": "Waktu dibuat"},
    indexes=("kode_kec",),
)
BNBA = Mart(
    name="mart_uji_bnba", fn=_fn, dashboards=("D9",), grain="one row per KPM",
    description="Uji: daftar KPM by-name-by-address",
    columns={"id": "Nomor urut", "nik": "NIK", "nik_mask": "NIK tersamar", "nama": "Nama lengkap",
             "nama_mask": "Nama tersamar", "alamat": "Alamat", "kode_kec": "Kode kecamatan BPS", "desil": "Desil"},
    schema="terbatas", pii={"nik": "nik_mask", "nama": "nama_mask", "alamat": None},
    indexes=("nik",), trigram=("nama",), kecamatan_column="kode_kec",
)
GOLD_PII = Mart(  # declared in gold but with pii: the table goes to terbatas, gold gets the masked view
    name="mart_uji_gold_pii", fn=_fn, dashboards=("D2",), grain="one row per person",
    description="Uji: mart gold dengan data pribadi",
    columns={"nik": "NIK", "nik_mask": "NIK tersamar", "skor": "Skor"},
    pii={"nik": "nik_mask"},
)


def _write(spark, lake, name, rows, schema):
    df = spark.createDataFrame(rows, schema)
    df.write.format("delta").mode("overwrite").option("overwriteSchema", "true").save(
        lakehouse.table_path("gold", name, lake))


AGREGAT_SCHEMA = ("kode_kec string, jumlah int, total bigint, persen double, periode date, aktif boolean, "
                  "nilai decimal(14,2), program array<string>, dibuat timestamp")
BNBA_SCHEMA = ("id int, nik string, nik_mask string, nama string, nama_mask string, alamat string, "
               "kode_kec string, desil int")


def _agregat_rows():
    ts = dt.datetime(2024, 3, 1, 8, 30, 0)
    return [
        (KEC_A, 10, 10_000_000_000, 12.5, dt.date(2024, 1, 1), True, Decimal("1234567.89"), ["PKH", 'B"NT'], ts),
        (KEC_B, 0, None, float("nan"), None, False, None, [], None),
        (None, None, 3, None, dt.date(2024, 2, 1), None, Decimal("0.10"), ["a,b", None, ""], ts),
    ]


def _bnba_rows(n, kec_cycle=(KEC_A, KEC_B), offset=0):
    rows = []
    for i in range(n):
        nik = f"3503{(i + offset) % 10**12:012d}"
        rows.append((i + offset, nik, nik[:10] + "******", f"NAMA ORANG {i + offset}", f"NA*** OR*** {i}",
                     f"Jl. Mawar {i}", kec_cycle[i % len(kec_cycle)], i % 10 + 1))
    return rows


def _one(url, q, params=None):
    with psycopg.connect(url, autocommit=True) as conn:
        return conn.execute(q, params).fetchall()


# --------------------------------------------------------------------------- placement rule (no database)
def test_placement_rule():
    assert placement(AGREGAT) == publish_pg.Placement("mart_uji_agregat", "gold", False)
    assert placement(BNBA) == publish_pg.Placement("mart_uji_bnba", "terbatas", True)
    assert placement(GOLD_PII) == publish_pg.Placement("mart_uji_gold_pii", "terbatas", True)


def test_metadata_mismatch_is_reported():
    bad = Mart(name="mart_x", fn=_fn, dashboards=(), grain="", description="", columns={},
               schema="terbatas", pii={"nik": "nik_samaran"}, indexes=("tidak_ada",))
    problems = publish_pg.check_mart_columns(bad, ["nik", "nama"])
    assert any("nik_samaran" in p for p in problems) and any("tidak_ada" in p for p in problems)


# --------------------------------------------------------------------------- publish
@pytest.fixture(scope="module")
def gold_lake(spark, tmp_path_factory):
    """A lakehouse with the three test marts (written once per module; tests must not change it)."""
    lake = tmp_path_factory.mktemp("publish_lake")
    _write(spark, lake, AGREGAT.name, _agregat_rows(), AGREGAT_SCHEMA)
    _write(spark, lake, BNBA.name, _bnba_rows(40), BNBA_SCHEMA)
    _write(spark, lake, GOLD_PII.name, [("3503010101010001", "3503010101******", 0.5)],
           "nik string, nik_mask string, skor double")
    return lake


@pytest.fixture(scope="module")
def published(spark, gold_lake, pg_module_url):
    """The three marts published once into a module database (read-only tests)."""
    results = publish(spark, [AGREGAT, BNBA, GOLD_PII], lake=gold_lake, url=pg_module_url, kecamatan_codes=CODES)
    return pg_module_url, results


def test_rows_types_and_values(published):
    url, results = published
    assert [r["rows"] for r in results] == [3, 40, 1]
    assert all(r["verified"] for r in results)
    types = dict(_one(url, "SELECT column_name, data_type FROM information_schema.columns "
                           "WHERE table_schema = 'gold' AND table_name = 'mart_uji_agregat'"))
    assert types == {"kode_kec": "text", "jumlah": "integer", "total": "bigint", "persen": "double precision",
                     "periode": "date", "aktif": "boolean", "nilai": "numeric", "program": "ARRAY",
                     "dibuat": "timestamp with time zone"}
    assert _one(url, "SELECT format_type(atttypid, atttypmod) FROM pg_attribute "
                     "WHERE attrelid = 'gold.mart_uji_agregat'::regclass AND attname IN ('nilai', 'program') "
                     "ORDER BY attname") == [("numeric(14,2)",), ("text[]",)]
    rows = _one(url, "SELECT kode_kec, jumlah, total, persen, periode, aktif, nilai, program, dibuat "
                     "FROM gold.mart_uji_agregat ORDER BY kode_kec NULLS LAST")
    a, b, c = rows
    assert a[:7] == (KEC_A, 10, 10_000_000_000, 12.5, dt.date(2024, 1, 1), True, Decimal("1234567.89"))
    assert a[7] == ["PKH", 'B"NT']
    assert a[8] == dt.datetime(2024, 3, 1, 8, 30).astimezone()  # pyspark reads naive datetimes as local time
    assert b[1] == 0 and b[2] is None and b[3] != b[3] and b[6] is None and b[7] == [] and b[8] is None  # NaN
    assert c[0] is None and c[1] is None and c[7] == ["a,b", None, ""] and c[6] == Decimal("0.10")
    # the pii mart declared in gold: table in terbatas, masked view in gold
    kinds = dict(_one(url, "SELECT n.nspname || '.' || c.relname, c.relkind FROM pg_class c "
                           "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relname LIKE 'mart_uji_%' "
                           "AND c.relkind IN ('r', 'v')"))
    assert kinds == {"gold.mart_uji_agregat": "r", "terbatas.mart_uji_bnba": "r", "gold.mart_uji_bnba": "v",
                     "terbatas.mart_uji_gold_pii": "r", "gold.mart_uji_gold_pii": "v"}


def test_comments_indexes_and_log(published):
    url, _ = published
    assert _one(url, "SELECT obj_description('terbatas.mart_uji_bnba'::regclass, 'pg_class')")[0][0] == \
        "Uji: daftar KPM by-name-by-address"
    assert _one(url, "SELECT col_description('terbatas.mart_uji_bnba'::regclass, 2)")[0][0] == "NIK"
    view_comment = _one(url, "SELECT obj_description('gold.mart_uji_bnba'::regclass, 'pg_class')")[0][0]
    assert view_comment.startswith("Uji: daftar KPM") and "tersamar" in view_comment
    col_comments = dict(_one(url, "SELECT a.attname, col_description(a.attrelid, a.attnum) FROM pg_attribute a "
                                  "WHERE a.attrelid = 'gold.mart_uji_agregat'::regclass AND a.attnum > 0"))
    assert col_comments["jumlah"] == "Jumlah KPM" and None not in col_comments.values()
    idx = {r[0]: r[1] for r in _one(url, "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'mart_uji_bnba'")}
    assert "USING btree (nik)" in idx["mart_uji_bnba__nik_idx"]
    assert "USING btree (kode_kec)" in idx["mart_uji_bnba__kode_kec_idx"]
    assert "USING gin (nama" in idx["mart_uji_bnba__nama_trgm"] and "gin_trgm_ops" in idx["mart_uji_bnba__nama_trgm"]
    assert not [n for n in idx if n.startswith("_stg")]
    # the trigram index serves a name search
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("SET enable_seqscan = off")
        plan = "\n".join(r[0] for r in conn.execute(
            "EXPLAIN SELECT * FROM terbatas.mart_uji_bnba WHERE nama ILIKE '%orang 1%'").fetchall())
    assert "mart_uji_bnba__nama_trgm" in plan
    log = _one(url, "SELECT mart, status, baris, versi_delta, terverifikasi, length(checksum) FROM gold._publish_log "
                    "ORDER BY id")
    assert log == [("mart_uji_agregat", "ok", 3, 0, True, 64), ("mart_uji_bnba", "ok", 40, 0, True, 64),
                   ("mart_uji_gold_pii", "ok", 1, 0, True, 64)]


def test_republish_is_idempotent_and_keeps_dependent_views(spark, gold_lake, pg_url, login_role):
    url, lake = pg_url, gold_lake
    first = publish(spark, [AGREGAT, BNBA, GOLD_PII], lake=lake, url=url, kecamatan_codes=CODES)
    analyst = login_role(url, "bansos_analis")
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE SCHEMA laporan")
        conn.execute("CREATE VIEW laporan.per_kec AS SELECT kode_kec, count(*) AS n FROM gold.mart_uji_bnba GROUP BY 1")
        conn.execute("CREATE VIEW laporan.total AS SELECT sum(n) AS n FROM laporan.per_kec")
        conn.execute("COMMENT ON VIEW laporan.total IS 'buatan analis'")
        conn.execute("CREATE MATERIALIZED VIEW laporan.mv AS SELECT count(*) AS n FROM terbatas.mart_uji_bnba")
        conn.execute("CREATE INDEX mv_n ON laporan.mv (n)")
        conn.execute("GRANT USAGE ON SCHEMA laporan TO bansos_analis")
        conn.execute("GRANT SELECT ON laporan.per_kec, laporan.total TO bansos_analis")
    again = publish(spark, [AGREGAT, BNBA], lake=lake, url=url, kecamatan_codes=CODES)
    assert [r["rows"] for r in again] == [r["rows"] for r in first[:2]]
    assert [r["checksum"] for r in again] == [r["checksum"] for r in first[:2]]
    assert sorted(again[1]["dependents_recreated"]) == ["laporan.mv", "laporan.per_kec", "laporan.total"]
    assert _one(url, "SELECT n FROM laporan.mv") == [(40,)]
    assert _one(url, "SELECT indexname FROM pg_indexes WHERE tablename = 'mv'") == [("mv_n",)]
    assert _one(url, "SELECT n FROM laporan.total") == [(40,)]
    assert _one(url, "SELECT obj_description('laporan.total'::regclass, 'pg_class')") == [("buatan analis",)]
    assert _one(analyst, "SELECT n FROM laporan.total") == [(40,)]
    assert _one(url, "SELECT count(*) FROM pg_class WHERE relname LIKE '%stg%'") == [(0,)]
    assert _one(url, "SELECT count(*), count(*) FILTER (WHERE status = 'ok') FROM gold._publish_log") == [(5, 5)]
    # still exactly one policy set (no duplicates)
    assert _one(url, "SELECT count(*) FROM pg_policies WHERE tablename = 'mart_uji_bnba'") == [(2 + len(CODES),)]


def test_failed_publish_keeps_the_old_mart(spark, gold_lake, pg_url):
    url = pg_url
    publish(spark, [BNBA], lake=gold_lake, url=url, kecamatan_codes=CODES)
    broken = Mart(**{**BNBA.__dict__, "pii": {"nik": "nik_samaran"}})
    with pytest.raises(PublishError, match="nik_samaran"):
        publish(spark, [broken], lake=gold_lake, url=url, kecamatan_codes=CODES)
    # a failure inside the transaction (here: verification): the old table stays, the failure is logged
    real_verify = publish_pg._verify

    def lying_verify(conn, target, columns, table, delta_rows):
        conn.execute(sql.SQL("DELETE FROM {}").format(target))  # as if rows went missing
        return real_verify(conn, target, columns, table, delta_rows)

    publish_pg._verify = lying_verify
    try:
        with pytest.raises(PublishError, match="verification failed: rows: PostgreSQL 0, Delta 40"):
            publish(spark, [BNBA], lake=gold_lake, url=url, kecamatan_codes=CODES)
    finally:
        publish_pg._verify = real_verify
    assert _one(url, "SELECT count(*) FROM terbatas.mart_uji_bnba") == [(40,)]
    assert _one(url, "SELECT count(*) FROM gold.mart_uji_bnba") == [(40,)]
    assert _one(url, "SELECT status, baris, coalesce(pesan, '') LIKE '%verification failed%' FROM gold._publish_log "
                     "ORDER BY id") == [("ok", 40, False), ("gagal", None, True)]
    assert _one(url, "SELECT count(*) FROM pg_class WHERE relname LIKE '_stg%'") == [(0,)]


# --------------------------------------------------------------------------- roles, RLS, masking
def test_public_role_sees_only_aggregates_and_masks(published, login_role):
    url, _ = published
    public = login_role(url, "bansos_publik")
    with psycopg.connect(public, autocommit=True) as conn:
        assert conn.execute("SELECT count(*) FROM gold.mart_uji_agregat").fetchone() == (3,)
        # the masked view: every row, masks instead of pii, pii columns absent
        cur = conn.execute("SELECT * FROM gold.mart_uji_bnba ORDER BY id")
        cols = [d.name for d in cur.description]
        rows = cur.fetchall()
        assert cols == ["id", "nik_mask", "nama_mask", "kode_kec", "desil"]
        assert len(rows) == 40 and rows[0][1] == "3503000000******" and rows[0][2].startswith("NA***")
        assert conn.execute("SELECT nik_mask FROM gold.mart_uji_gold_pii").fetchall() == [("3503010101******",)]
        for q in ("SELECT * FROM terbatas.mart_uji_bnba", "SELECT nik_mask FROM terbatas.mart_uji_bnba",
                  "SELECT nik FROM terbatas.mart_uji_gold_pii", "SELECT * FROM gold._publish_log"):
            with pytest.raises(errors.InsufficientPrivilege):
                conn.execute(q)
        with pytest.raises(errors.UndefinedColumn):
            conn.execute("SELECT nik FROM gold.mart_uji_bnba")
    # not even a column grant on a pii column, nor schema usage on terbatas
    assert _one(url, "SELECT has_column_privilege('bansos_publik', 'terbatas.mart_uji_bnba', 'nik', 'SELECT'), "
                     "has_column_privilege('bansos_publik', 'terbatas.mart_uji_bnba', 'alamat', 'SELECT'), "
                     "has_schema_privilege('bansos_publik', 'terbatas', 'USAGE'), "
                     "has_schema_privilege('public', 'gold', 'USAGE')") == [(False, False, False, False)]


def test_kecamatan_role_sees_only_its_rows(published, login_role):
    url, _ = published
    staff_a = login_role(url, f"bansos_kec_{KEC_A}")
    staff_c = login_role(url, "bansos_kec_3503030")
    with psycopg.connect(staff_a, autocommit=True) as conn:
        kecs = conn.execute("SELECT DISTINCT kode_kec FROM terbatas.mart_uji_bnba").fetchall()
        assert kecs == [(KEC_A,)]
        assert conn.execute("SELECT count(*), count(nik) FROM terbatas.mart_uji_bnba").fetchone() == (20, 20)
        # through the masked view too (security_invoker): own kecamatan only
        assert conn.execute("SELECT count(*) FROM gold.mart_uji_bnba").fetchone() == (20,)
        assert conn.execute("SELECT count(*) FROM gold.mart_uji_agregat").fetchone() == (3,)
        # no kecamatan column: only the masked view, all rows
        assert conn.execute("SELECT count(*) FROM gold.mart_uji_gold_pii").fetchone() == (1,)
        with pytest.raises(errors.InsufficientPrivilege):
            conn.execute("SELECT nik FROM terbatas.mart_uji_gold_pii")
    with psycopg.connect(staff_c, autocommit=True) as conn:
        assert conn.execute("SELECT count(*) FROM terbatas.mart_uji_bnba").fetchone() == (0,)
    analyst = login_role(url, "bansos_analis")
    assert _one(analyst, "SELECT count(*), count(nik) FROM terbatas.mart_uji_bnba") == [(40, 40)]
    restricted = login_role(url, "bansos_terbatas")
    assert _one(restricted, "SELECT count(DISTINCT kode_kec) FROM terbatas.mart_uji_bnba") == [(2,)]
    assert _one(url, "SELECT relrowsecurity, relforcerowsecurity FROM pg_class "
                     "WHERE oid = 'terbatas.mart_uji_bnba'::regclass") == [(True, False)]
    assert _one(url, "SELECT reloptions FROM pg_class WHERE oid = 'gold.mart_uji_bnba'::regclass") == \
        [(["security_invoker=true"],)]


def test_roles_are_idempotent(pg_url):
    with publish_pg.connect(pg_url) as conn:
        publish_pg.ensure_roles(conn, CODES)
        second = publish_pg.ensure_roles(conn, CODES)
        assert second["created_roles"] == []
        with pytest.raises(PublishError):
            publish_pg.ensure_roles(conn, ["10"])
    assert _one(pg_url, "SELECT rolname, rolcanlogin FROM pg_roles WHERE rolname = %s", (f"bansos_kec_{KEC_A}",)) == \
        [(f"bansos_kec_{KEC_A}", False)]
    assert _one(pg_url, "SELECT pg_has_role(%s, 'bansos_kecamatan', 'MEMBER')", (f"bansos_kec_{KEC_A}",)) == [(True,)]


# --------------------------------------------------------------------------- atomic swap under concurrent reads
def test_swap_is_atomic_for_concurrent_readers(spark, lake, pg_url, login_role, monkeypatch):
    old_n, new_n = 3000, 4500
    _write(spark, lake, BNBA.name, _bnba_rows(old_n), BNBA_SCHEMA)
    publish(spark, [BNBA], lake=lake, url=pg_url, kecamatan_codes=CODES)
    _write(spark, lake, BNBA.name, _bnba_rows(new_n, offset=10**6), BNBA_SCHEMA)
    staff_a = login_role(pg_url, f"bansos_kec_{KEC_A}")

    readers = {
        "table": (pg_url, "SELECT count(*) FROM terbatas.mart_uji_bnba", {old_n, new_n}),
        "view": (pg_url, "SELECT count(*) FROM gold.mart_uji_bnba", {old_n, new_n}),
        "kecamatan view": (staff_a, "SELECT count(*) FROM gold.mart_uji_bnba", {old_n // 2, new_n // 2}),
    }
    seen = {k: [] for k in readers}
    slowest = dict.fromkeys(readers, 0.0)
    failures = []
    stop = threading.Event()

    # hold the swap's locks for a while (after the drop and rename, before commit), so that readers
    # certainly queue behind them and must re-resolve the dropped/renamed objects once they get them
    real_secure = publish_pg._secure_table

    def slow_secure(*args, **kwargs):
        real_secure(*args, **kwargs)
        time.sleep(0.5)

    monkeypatch.setattr(publish_pg, "_secure_table", slow_secure)

    def read(key, url, query):
        try:
            with psycopg.connect(url, autocommit=True) as conn:
                while not stop.is_set():
                    t = time.perf_counter()
                    seen[key].append(conn.execute(query).fetchone()[0])
                    slowest[key] = max(slowest[key], time.perf_counter() - t)
                    time.sleep(0.002)
                seen[key].append(conn.execute(query).fetchone()[0])
        except Exception as exc:  # noqa: BLE001 - any error is a failure of the swap
            failures.append(f"{key}: {exc!r}")

    threads = [threading.Thread(target=read, args=(k, u, q)) for k, (u, q, _) in readers.items()]
    for t in threads:
        t.start()
    time.sleep(0.2)
    try:
        result = publish(spark, [BNBA], lake=lake, url=pg_url, kecamatan_codes=CODES)
        time.sleep(0.1)
    finally:
        stop.set()
        for t in threads:
            t.join(30)
    assert not failures
    assert result[0]["rows"] == new_n
    for key, (_, _, allowed) in readers.items():
        old, new = sorted(allowed)
        values = seen[key]
        assert set(values) <= allowed, f"{key} saw {sorted(set(values) - allowed)}"
        assert values[0] == old and values[-1] == new, key
        # once the new mart is seen, never the old one again
        assert old not in values[values.index(new):], key
        assert slowest[key] > 0.3, f"{key} never waited for the swap's lock"
