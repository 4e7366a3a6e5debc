"""Single-process DuckDB baseline: the key mart figures straight from the raw files, no Spark.

What a good analyst would write on one machine: read the DTKS zips with Arrow's CSV reader, the KPM
workbooks with python-calamine, hand both to DuckDB as Arrow tables and compute the figures with
SQL. It shares nothing with the platform's code but its configuration (``settings.yaml`` for
periods, desil schemes and programs; ``sources.yaml`` for the header spellings and file patterns;
``rfm.yaml`` for the RFM thresholds) and the package's reference list of desa
(``reference_data/wilayah_trenggalek.csv``). :func:`run_baseline` times three stages: ``read``
(raw files to Arrow/DuckDB), ``transform`` (typed person, household and KPM tables) and ``marts``
(the figures).

:func:`cross_check` computes the same figures from the Spark gold marts and compares them. Every
figure is a flat ``{key: count}`` dict; keys join their dimensions with ``|`` (a null dimension is
``-``). Figures and why they can be compared:

Exact (defined without probabilistic linkage; any difference is a bug on one side):

* ``kpm_records`` — per program: ``jumlah_kpm`` (data rows of the program's workbooks: blank rows,
  totals rows, repeated header rows and sheets without a header are not records),
  ``nik_valid`` and one count per NIK reason (``empty``, ``float_lost_digits``, ``non_digit``,
  ``placeholder``, ``too_short``, ``too_long``). NIK rule (mirrors ``silver.identity.normalize_id``):
  trim all whitespace incl. NBSP/BOM, drop leading apostrophes, remove spaces, dots, hyphens,
  commas and underscores; empty or NULL/NONE/NAN/NA/N/A text is ``empty``; scientific text
  (``3.50306E+15``) or a 15+-digit value held by Excel as a *number* cell is ``float_lost_digits``
  (Excel keeps 15 significant digits, so the 16th is unknown); then non-digits, one repeated digit or
  ``1234567890123456`` (placeholder), fewer / more than 16 digits. Spark side:
  ``gold.mart_kepemilikan_nik`` summed per program (``jumlah_kpm``, ``nik_format_valid``,
  ``nik_kosong`` ...).
* ``kpm_nik_unik`` — distinct valid NIKs per program and over all programs (``SEMUA``). Spark side:
  ``gold.mart_kpm_overview`` rows at ``tingkat = 'kabupaten'`` (``jumlah_nik_unik``).
* ``dtks_desa`` — per DTKS period and desa (``kode_bps``; rows whose KDKEC/KDDESA match no reference
  desa form the ``-`` desa): individuals (ART rows), families (distinct valid No. KK, else household
  + NUK) and households (RT rows). Rows of another province/kabupaten (KDPROP/KDKAB) are not DTKS
  of this region and are left out, as bronze does. Spark side: ``gold.mart_perbandingan_dtks``.
* ``pergerakan_desil`` — households per period (from the second), desa and movement status
  (naik / tetap / turun / graduasi / baru / tanpa_desil against the previous period; desil =
  ``status_kesejahteraan`` when within the period's scheme, else ``ceil(percentile / 10)`` when
  within it). Spark side: ``gold.mart_pergerakan_desil``.
* ``rfm`` — households per RFM segment and desil band of the last period seen (thresholds from
  ``rfm.yaml`` with N = number of DTKS periods). Spark side: ``gold.mart_rfm``.

With a tolerance (the platform's figure depends on name checks the baseline does not replicate):

* ``desil_kpm_nik_latest`` — KPM records per program and desil band of the household whose member
  carries the record's valid NIK in the latest DTKS period (``Tanpa desil`` when it has none; with
  several holders the smallest IDARTBDT). Spark side: ``gold.mart_bnba`` records with
  ``match_method = 'nik_latest'`` by ``kelompok_desil``. The platform links by NIK only when the
  names (and birth dates) agree: a NIK typed into someone else's record is ``nik_name_conflict``,
  and a NIK whose matching identity is only in an older period is ``nik_history``. Both are found
  by the baseline's plain NIK join, so the baseline counts a few more (and, for a NIK held by
  several people in the latest period, may take another holder's household). The figure is ``ok``
  when every key differs by at most :data:`DESIL_KPM_TOLERANCE` of its count or
  :data:`TOLERANCE_SLACK` records, whichever is larger, and the totals by at most
  :data:`DESIL_KPM_TOLERANCE` (measured at scale 0.25: 0.3 % on the total, the baseline always the
  larger; the report gives the raw differences).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import logging
import math
import re
import time
import zipfile
from pathlib import Path

import pyarrow as pa

log = logging.getLogger(__name__)

#: relative tolerance of the ``desil_kpm_nik_latest`` figure (see the module docstring), per key and
#: on the total; a key may always differ by up to TOLERANCE_SLACK records (small cells)
DESIL_KPM_TOLERANCE = 0.03
TOLERANCE_SLACK = 5
EXACT_FIGURES = ("kpm_records", "kpm_nik_unik", "dtks_desa", "pergerakan_desil", "rfm")
TOLERANT_FIGURES = {"desil_kpm_nik_latest": DESIL_KPM_TOLERANCE}
NIK_REASONS = ("empty", "float_lost_digits", "non_digit", "placeholder", "too_short", "too_long")
NO_DESIL = "Tanpa desil"
SEMUA = "SEMUA"
NULL_KEY = "-"

_PERIOD_RE = re.compile(r"(20\d{2})[-_](0[1-9]|1[0-2])")
_HEADER_KEY = re.compile(r"[\s_.\-/\\()'\"]+")
_ART_COLS = ("idbdt", "idartbdt", "kdprop", "kdkab", "kdkec", "kddesa", "nik", "nokk", "nuk")
_RT_COLS = ("idbdt", "kdprop", "kdkab", "kdkec", "kddesa", "percentile", "status_kesejahteraan")


def _hkey(text) -> str:
    return _HEADER_KEY.sub("", str(text).strip().lower())


# =========================================================================== reading
def _dtks_member(zpath: Path, member: str) -> bytes:
    with zipfile.ZipFile(zpath) as zf:
        names = [n for n in zf.namelist() if n.rsplit("/", 1)[-1].lower() == member.lower()]
        if not names:
            raise FileNotFoundError(f"{zpath.name} has no {member}")
        return zf.read(names[0])


def _read_dtks_csv(data: bytes, wanted: tuple[str, ...], aliases: dict[str, list[str]]) -> pa.Table:
    """One DTKS CSV as text columns ``wanted`` (header spellings matched like sources.yaml says)."""
    import pyarrow.csv as pacsv

    try:
        data.decode("utf-8")
        enc = "utf-8"
    except UnicodeDecodeError:
        enc = "cp1252"
    first = data.split(b"\n", 1)[0].decode(enc)
    delim = max([",", ";", "\t", "|"], key=first.count)
    header = next(csv.reader([first.strip("\r\n\ufeff")], delimiter=delim))
    spell = {}
    for canon in wanted:
        for s in [canon, *aliases.get(canon, [])]:
            spell.setdefault(_hkey(s), canon)
    names = [f"_c{i}" for i in range(len(header))]
    pick = {}
    for i, h in enumerate(header):
        canon = spell.get(_hkey(h))
        if canon and canon not in pick.values():
            pick[names[i]] = canon
    t = pacsv.read_csv(io.BytesIO(data), read_options=pacsv.ReadOptions(encoding=enc, column_names=names,
                                                                        skip_rows=1),
                       parse_options=pacsv.ParseOptions(delimiter=delim),
                       convert_options=pacsv.ConvertOptions(include_columns=list(pick),
                                                            column_types={n: pa.string() for n in pick},
                                                            strings_can_be_null=True, null_values=[""]))
    cols = {pick[n]: t.column(n) for n in t.column_names}
    return pa.table({c: cols.get(c, pa.nulls(t.num_rows, pa.string())) for c in wanted})


def _cell_text(v) -> tuple[str | None, bool]:
    """(text, was an Excel number) of a calamine cell."""
    if v is None or v == "":
        return None, False
    if isinstance(v, str):
        return v, False
    if isinstance(v, bool):
        return ("TRUE" if v else "FALSE"), False
    if isinstance(v, float):
        return (str(int(v)) if math.isfinite(v) and v == int(v) else repr(v)), True
    if isinstance(v, int):
        return str(v), True
    if isinstance(v, (dt.date, dt.datetime)):
        return v.isoformat(), False
    return str(v), False


def _read_kpm_workbook(path: Path, spellings: dict[str, str], known: set[str], markers: set[str],
                       search_rows: int = 25, min_matches: int = 3) -> tuple[list, list]:
    """(nik texts, nik-was-number flags) of every data row of a KPM workbook (all sheets)."""
    import python_calamine as pc

    wb = pc.CalamineWorkbook.from_path(str(path))
    texts, numbers = [], []
    long_markers = [m for m in markers if len(m) > 4]
    for name in wb.sheet_names:
        rows = wb.get_sheet_by_name(name).to_python(skip_empty_area=False)
        best, best_n = None, 0
        for i, r in enumerate(rows[:search_rows]):
            n = sum(1 for c in r if isinstance(c, str) and _hkey(c) in known)
            if n >= min_matches and n > best_n:
                best, best_n = i, n
        if best is None:
            continue
        header = rows[best]
        keys = [_hkey(c) if isinstance(c, str) else None for c in header]
        nik_i = next(i for i, k in enumerate(keys) if spellings.get(k) == "nik")
        first_i = next(i for i, k in enumerate(keys) if k in known)
        first_h = str(header[first_i]).strip().lower()
        header_keys = {k for k in keys if k}
        for r in rows[best + 1:]:
            first = next((c for c in r if c not in (None, "")), None)
            if first is None or (isinstance(first, str) and not first.strip()
                                 and all(c is None or str(c).strip() == "" for c in r)):
                continue
            if isinstance(first, str) and first.strip()[:1].isalpha():
                k = _hkey(first)
                if k in markers or any(k.startswith(m) for m in long_markers):
                    continue
            c0 = r[first_i] if first_i < len(r) else None
            if isinstance(c0, str) and c0.strip().lower() == first_h and \
                    sum(1 for c in r if isinstance(c, str) and c and _hkey(c) in header_keys) >= min_matches:
                continue
            text, num = _cell_text(r[nik_i] if nik_i < len(r) else None)
            texts.append(text)
            numbers.append(num)
    return texts, numbers


def _reference_desa() -> pa.Table:
    from importlib import resources

    text = resources.files("bansos360").joinpath("reference_data", "wilayah_trenggalek.csv").read_text("utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    return pa.table({"kode_bps": [r["kode_bps"] for r in rows],
                     "kd_kec": [r["kode_bps"][4:7] for r in rows], "kd_desa": [r["kode_bps"][7:10] for r in rows]})


# =========================================================================== SQL
# NIK/KK rule of the module docstring; ``t`` = text as delivered, ``num`` = Excel number cell.
_WS = "[\\s\\x{00A0}\\x{2007}\\x{202F}\\x{FEFF}]"
_SQL_MACROS = rf"""
CREATE OR REPLACE MACRO id_strip(t) AS
    regexp_replace(regexp_replace(t, '^{_WS}+|{_WS}+$', '', 'g'), '^[''`\x{{2018}}\x{{2019}}]+', '');
CREATE OR REPLACE MACRO id_digits(t) AS regexp_replace(id_strip(t), '({_WS}|[.\-,_])', '', 'g');
CREATE OR REPLACE MACRO id_reason(t, num) AS CASE
    WHEN t IS NULL OR id_digits(t) = '' OR upper(id_digits(t)) IN ('NULL', 'NONE', 'NAN', 'NA', 'N/A') THEN 'empty'
    WHEN regexp_matches(id_strip(t), '^[0-9]+([.,][0-9]+)?[eE][+]?[0-9]+$')
         OR (num AND regexp_matches(id_digits(t), '^[0-9]{{15,}}$')) THEN 'float_lost_digits'
    WHEN NOT regexp_matches(id_digits(t), '^[0-9]+$') THEN 'non_digit'
    WHEN replace(id_digits(t), left(id_digits(t), 1), '') = '' OR id_digits(t) = '1234567890123456' THEN 'placeholder'
    WHEN length(id_digits(t)) < 16 THEN 'too_short'
    WHEN length(id_digits(t)) > 16 THEN 'too_long'
    ELSE 'ok' END;
CREATE OR REPLACE MACRO id_value(t, num) AS CASE WHEN id_reason(t, num) = 'ok' THEN id_digits(t) END;
CREATE OR REPLACE MACRO code3(t) AS
    CASE WHEN regexp_extract(trim(t), '^0*([0-9]{{1,3}})(?:\.0+)?$', 1) <> ''
         THEN lpad(regexp_extract(trim(t), '^0*([0-9]{{1,3}})(?:\.0+)?$', 1), 3, '0') END;
CREATE OR REPLACE MACRO to_int(t) AS TRY_CAST(TRY_CAST(trim(t) AS DOUBLE) AS INTEGER);
CREATE OR REPLACE MACRO region_ok(t, code) AS
    t IS NULL OR trim(t) = '' OR ltrim(trim(t), '0') = ltrim(code, '0');
"""


def _k(*parts) -> str:
    return "|".join(NULL_KEY if p is None else str(p) for p in parts)


def _band_sql(desil: str, scheme: str, schemes: dict) -> str:
    whens = [f"WHEN {scheme} = '{name}' AND {desil} IN ({', '.join(map(str, vals))}) THEN '{label}'"
             for name, s in schemes.items() for label, vals in s.bands.items()]
    return f"CASE {' '.join(whens)} ELSE '{NO_DESIL}' END"


def _rfm_thresholds(conf_dir: Path, n: int) -> tuple[dict, list]:
    import yaml

    conf = yaml.safe_load((Path(conf_dir) / "rfm.yaml").read_text(encoding="utf-8"))

    def need(level: dict) -> int:
        v = math.ceil(round(level["min_share"] * n, 9)) if "min_share" in level else level["min_periods"]
        return max(1, min(v, n))

    f_t = need(conf["frequency"]["tinggi"])
    f_s = min(need(conf["frequency"]["sedang"]), f_t)
    th = {"tinggi_lag": conf["recency"]["tinggi_max_lag"], "sedang_lag": conf["recency"]["sedang_max_lag"],
          "f_t": f_t, "f_s": f_s}
    segs = [(code, s["recency"], s["frequency"]) for code, s in conf["segments"].items()]
    return th, segs


def run_baseline(raw_dir, cfg=None, threads: int | None = None) -> dict:
    """Compute the figures of the module docstring from ``raw_dir`` in one process (DuckDB).

    Returns ``{"seconds": {read, transform, marts, total}, "rows": {...}, "periods": [...],
    "figures": {name: {key: count}}}``.
    """
    import duckdb
    import yaml

    from bansos360.config import Config

    cfg = cfg or Config()
    raw = Path(raw_dir)
    settings = cfg.settings
    sources = yaml.safe_load((Path(cfg.conf_dir) / "sources.yaml").read_text(encoding="utf-8"))
    src, defaults = sources["sources"], sources.get("defaults", {})
    t0 = time.perf_counter()
    con = duckdb.connect()
    if threads:
        con.execute(f"SET threads = {int(threads)}")
    con.execute(_SQL_MACROS)

    # ------------------------------------------------------------------ read
    art_parts, rt_parts, periods = [], [], []
    known_periods = {p.id for p in settings.periods}
    for z in sorted(raw.glob(src["dtks_art"].get("discover", "dtks/*.zip"))):
        if z.name.startswith((".", "~$")):
            continue
        m = _PERIOD_RE.search(z.stem)
        if not m or f"{m.group(1)}-{m.group(2)}" not in known_periods:
            log.warning("baseline: %s is not a configured DTKS period, skipped", z.name)
            continue
        period = f"{m.group(1)}-{m.group(2)}"
        periods.append(period)
        for parts, key, cols in ((art_parts, "dtks_art", _ART_COLS), (rt_parts, "dtks_rt", _RT_COLS)):
            t = _read_dtks_csv(_dtks_member(z, src[key]["zip_member"]), cols, src[key].get("columns", {}))
            parts.append(t.append_column("periode", pa.array([period] * t.num_rows, pa.string())))
    if not periods:
        raise FileNotFoundError(f"no DTKS zip under {raw / 'dtks'}")
    periods = sorted(periods)
    art, rt = pa.concat_tables(art_parts), pa.concat_tables(rt_parts)
    markers = {_hkey(m) for m in defaults.get("total_markers", ["jumlah", "total"])}
    kpm_prog, kpm_text, kpm_num = [], [], []
    kpm_cols = sources["tables"]["kpm"]["columns"]
    for prog in settings.programs:
        spec = src[prog.source]
        spellings = {_hkey(c): c for c in kpm_cols}
        for canon, alts in (spec.get("columns") or {}).items():
            for a in alts:
                spellings.setdefault(_hkey(a), canon)
        known = set(spellings)
        for f in sorted(raw.glob(spec["discover"])):
            if not f.is_file() or f.name.startswith((".", "~$")):
                continue
            texts, nums = _read_kpm_workbook(f, spellings, known, markers,
                                             defaults.get("header_search_rows", 25),
                                             defaults.get("min_header_matches", 3))
            kpm_prog += [prog.code] * len(texts)
            kpm_text += texts
            kpm_num += nums
    kpm = pa.table({"program": pa.array(kpm_prog, pa.string()), "nik_text": pa.array(kpm_text, pa.string()),
                    "nik_num": pa.array(kpm_num, pa.bool_())})
    ref = _reference_desa()
    for name, table in (("art_raw", art), ("rt_raw", rt), ("kpm_raw", kpm), ("ref", ref)):
        con.register(f"_{name}", table)
        con.execute(f"CREATE TABLE {name} AS SELECT * FROM _{name}")
        con.unregister(f"_{name}")
    t1 = time.perf_counter()

    # ------------------------------------------------------------------ transform
    prov, kab = settings.region.kode_prov, settings.region.kode_bps[2:]
    scheme_of = {p.id: (p.desil_scheme, settings.desil_schemes[p.desil_scheme].max_desil) for p in settings.periods}
    con.execute("CREATE TABLE period_info (periode VARCHAR, idx INTEGER, scheme VARCHAR, max_desil INTEGER)")
    con.executemany("INSERT INTO period_info VALUES (?, ?, ?, ?)",
                    [(p, i, *scheme_of[p]) for i, p in enumerate(periods)])
    con.execute(f"""
        CREATE TABLE individu AS
        SELECT a.periode, a.idbdt, a.idartbdt, r.kode_bps, id_value(a.nik, false) AS nik,
               id_value(a.nokk, false) AS no_kk, to_int(a.nuk) AS nuk
        FROM art_raw a LEFT JOIN ref r ON r.kd_kec = code3(a.kdkec) AND r.kd_desa = code3(a.kddesa)
        WHERE region_ok(a.kdprop, '{prov}') AND region_ok(a.kdkab, '{kab}');
        CREATE TABLE rumah_tangga AS
        SELECT h.periode, h.idbdt, r.kode_bps, p.idx, p.scheme,
               CASE WHEN to_int(h.status_kesejahteraan) BETWEEN 1 AND p.max_desil THEN to_int(h.status_kesejahteraan)
                    WHEN CAST(ceil(TRY_CAST(trim(h.percentile) AS DOUBLE) / 10.0) AS INTEGER) BETWEEN 1 AND p.max_desil
                    THEN CAST(ceil(TRY_CAST(trim(h.percentile) AS DOUBLE) / 10.0) AS INTEGER) END AS desil
        FROM rt_raw h JOIN period_info p USING (periode)
        LEFT JOIN ref r ON r.kd_kec = code3(h.kdkec) AND r.kd_desa = code3(h.kddesa)
        WHERE region_ok(h.kdprop, '{prov}') AND region_ok(h.kdkab, '{kab}');
        CREATE TABLE kpm AS
        SELECT program, id_reason(nik_text, nik_num) AS reason, id_value(nik_text, nik_num) AS nik FROM kpm_raw;
    """)
    t2 = time.perf_counter()

    # ------------------------------------------------------------------ marts
    figures: dict[str, dict[str, int]] = {}
    rec: dict[str, int] = {}
    for prog, reason, n in con.execute("SELECT program, reason, count(*) FROM kpm GROUP BY ALL").fetchall():
        rec[_k(prog, "jumlah_kpm")] = rec.get(_k(prog, "jumlah_kpm"), 0) + n
        rec[_k(prog, "nik_valid" if reason == "ok" else reason)] = n
    for p in settings.programs:  # zero counts are figures too
        for r in ("jumlah_kpm", "nik_valid", *NIK_REASONS):
            rec.setdefault(_k(p.code, r), 0)
    figures["kpm_records"] = rec
    figures["kpm_nik_unik"] = {_k(p or SEMUA): n for p, n in con.execute(
        "SELECT program, count(DISTINCT nik) FROM kpm GROUP BY ROLLUP (program)").fetchall()}

    dd: dict[str, int] = {}
    for per, bps, ni, nk in con.execute("""
            SELECT periode, kode_bps, count(*),
                   count(DISTINCT coalesce(no_kk, 'RT:' || idbdt || '#' || coalesce(CAST(nuk AS VARCHAR), '?')))
            FROM individu GROUP BY ALL""").fetchall():
        dd[_k(per, bps, "jumlah_individu")] = ni
        dd[_k(per, bps, "jumlah_keluarga")] = nk
    for per, bps, nh in con.execute("SELECT periode, kode_bps, count(*) FROM rumah_tangga GROUP BY ALL").fetchall():
        dd[_k(per, bps, "jumlah_rumah_tangga")] = nh
    for key in [k for k in dd if k.endswith("jumlah_individu")]:
        for m in ("jumlah_keluarga", "jumlah_rumah_tangga"):
            dd.setdefault(key.rsplit("|", 1)[0] + "|" + m, 0)
    for key in [k for k in dd if k.endswith("jumlah_rumah_tangga")]:
        for m in ("jumlah_individu", "jumlah_keluarga"):
            dd.setdefault(key.rsplit("|", 1)[0] + "|" + m, 0)
    figures["dtks_desa"] = dd

    figures["pergerakan_desil"] = {_k(*r[:3]): r[3] for r in con.execute("""
        WITH rt AS (SELECT * FROM rumah_tangga WHERE idbdt IS NOT NULL),
        pairs AS (SELECT a.periode, b.periode AS sebelumnya FROM period_info a JOIN period_info b ON b.idx = a.idx - 1),
        cur AS (SELECT p.periode, p.sebelumnya, rt.idbdt, rt.desil, rt.kode_bps FROM rt JOIN pairs p USING (periode)),
        prv AS (SELECT p.periode, p.sebelumnya, rt.idbdt, rt.desil, rt.kode_bps
                FROM rt JOIN pairs p ON rt.periode = p.sebelumnya),
        j AS (SELECT coalesce(c.periode, v.periode) AS periode,
                     CASE WHEN v.idbdt IS NULL THEN 'baru' WHEN c.idbdt IS NULL THEN 'graduasi'
                          WHEN c.desil IS NULL OR v.desil IS NULL THEN 'tanpa_desil'
                          WHEN c.desil > v.desil THEN 'naik' WHEN c.desil = v.desil THEN 'tetap' ELSE 'turun' END AS status,
                     CASE WHEN c.idbdt IS NOT NULL THEN c.kode_bps ELSE v.kode_bps END AS kode_bps
              FROM cur c FULL JOIN prv v ON c.periode = v.periode AND c.idbdt = v.idbdt)
        SELECT periode, kode_bps, status, count(*) FROM j GROUP BY ALL""").fetchall()}

    th, segs = _rfm_thresholds(cfg.conf_dir, len(periods))
    seg_case = "CASE " + " ".join(f"WHEN rec = '{r}' AND freq = '{f}' THEN '{c}'" for c, r, f in segs) + " END"
    band = _band_sql("l.desil", "l.scheme", settings.desil_schemes)
    n = len(periods)
    figures["rfm"] = {_k(*r[:2]): r[2] for r in con.execute(f"""
        WITH h AS (
            -- the last period's row, its desil null or not (a struct is never null)
            SELECT idbdt, count(DISTINCT periode) AS f, max(idx) AS last_idx,
                   arg_max({{'desil': desil, 'scheme': scheme}}, idx) AS l
            FROM rumah_tangga WHERE idbdt IS NOT NULL GROUP BY idbdt),
        c AS (SELECT *, CASE WHEN {n - 1} - last_idx <= {th['tinggi_lag']} THEN 'Tinggi'
                             WHEN {n - 1} - last_idx <= {th['sedang_lag']} THEN 'Sedang' ELSE 'Rendah' END AS rec,
                        CASE WHEN f >= {th['f_t']} THEN 'Tinggi' WHEN f >= {th['f_s']} THEN 'Sedang'
                             ELSE 'Rendah' END AS freq FROM h)
        SELECT {seg_case} AS segmen, {band} AS band, count(*) FROM c GROUP BY ALL""").fetchall()}

    latest = periods[-1]
    figures["desil_kpm_nik_latest"] = {_k(*r[:2]): r[2] for r in con.execute(f"""
        WITH holder AS (
            SELECT nik, arg_min(idbdt, idartbdt) AS idbdt FROM individu
            WHERE periode = '{latest}' AND nik IS NOT NULL GROUP BY nik),
        hh AS (SELECT idbdt, max(desil) AS desil, any_value(scheme) AS scheme FROM rumah_tangga
               WHERE periode = '{latest}' GROUP BY idbdt)
        SELECT k.program, {_band_sql('hh.desil', 'hh.scheme', settings.desil_schemes)} AS band, count(*)
        FROM kpm k JOIN holder h USING (nik) LEFT JOIN hh USING (idbdt)
        GROUP BY ALL""").fetchall()}
    t3 = time.perf_counter()
    rows = {"dtks_art": art.num_rows, "dtks_rt": rt.num_rows, "kpm": kpm.num_rows}
    con.close()
    return {"seconds": {"read": round(t1 - t0, 2), "transform": round(t2 - t1, 2), "marts": round(t3 - t2, 2),
                        "total": round(t3 - t0, 2)},
            "rows": rows, "periods": periods, "latest_period": latest, "figures": figures}


# =========================================================================== cross-check
def spark_figures(spark, lake=None) -> dict[str, dict[str, int]]:
    """The figures of the module docstring computed from the gold marts (Delta) of ``lake``."""
    from pyspark.sql import functions as F

    from bansos360.lakehouse import read_table

    def gold(name):
        return read_table(spark, "gold", name, lake)

    figs: dict[str, dict[str, int]] = {}
    cols = {"jumlah_kpm": "jumlah_kpm", "nik_format_valid": "nik_valid", "nik_kosong": "empty",
            "nik_angka_excel": "float_lost_digits", "nik_bukan_angka": "non_digit",
            "nik_placeholder": "placeholder", "nik_terlalu_pendek": "too_short", "nik_terlalu_panjang": "too_long"}
    row_list = gold("mart_kepemilikan_nik").groupBy("program").agg(
        *[F.coalesce(F.sum(c), F.lit(0)).alias(c) for c in cols]).collect()
    figs["kpm_records"] = {_k(r["program"], name): int(r[c]) for r in row_list for c, name in cols.items()}
    figs["kpm_nik_unik"] = {_k(r["program"]): int(r["jumlah_nik_unik"]) for r in
                            gold("mart_kpm_overview").where(F.col("tingkat") == "kabupaten").collect()}
    dd = {}
    for r in gold("mart_perbandingan_dtks").collect():
        for m in ("jumlah_individu", "jumlah_keluarga", "jumlah_rumah_tangga"):
            dd[_k(r["periode"], r["kode_bps"], m)] = int(r[m])
    figs["dtks_desa"] = dd
    figs["pergerakan_desil"] = {_k(r["periode"], r["kode_bps"], r["status"]): int(r["n"]) for r in
                                gold("mart_pergerakan_desil").groupBy("periode", "kode_bps", "status")
                                .agg(F.sum("jumlah_rumah_tangga").alias("n")).collect()}
    figs["rfm"] = {_k(r["segmen"], r["desil_band"]): int(r["count"]) for r in
                   gold("mart_rfm").groupBy("segmen", "desil_band").count().collect()}
    figs["desil_kpm_nik_latest"] = {_k(r["program"], r["kelompok_desil"]): int(r["count"]) for r in
                                    gold("mart_bnba").where(F.col("match_method") == "nik_latest")
                                    .groupBy("program", "kelompok_desil").count().collect()}
    return figs


def compare(spark_figs: dict, base_figs: dict, max_listed: int = 10) -> dict:
    """Per figure: ``equal`` (exact figures) or ``within_tolerance``, totals and the differing keys."""
    out = {}
    for name in [*EXACT_FIGURES, *TOLERANT_FIGURES]:
        s, b = spark_figs.get(name, {}), base_figs.get(name, {})
        keys = sorted(set(s) | set(b))
        diffs = {k: {"spark": s.get(k, 0), "duckdb": b.get(k, 0)} for k in keys if s.get(k, 0) != b.get(k, 0)}
        entry = {"keys": len(keys), "spark_total": sum(s.values()), "duckdb_total": sum(b.values()),
                 "differences": len(diffs), "examples": dict(list(diffs.items())[:max_listed])}
        if name in TOLERANT_FIGURES:
            tol = TOLERANT_FIGURES[name]
            worst = max((abs(d["spark"] - d["duckdb"]) / max(d["duckdb"], d["spark"], 1) for d in diffs.values()),
                        default=0.0)
            outside = [k for k, d in diffs.items()
                       if abs(d["spark"] - d["duckdb"]) > max(TOLERANCE_SLACK, tol * max(d["spark"], d["duckdb"]))]
            total_rel = abs(entry["spark_total"] - entry["duckdb_total"]) / max(entry["duckdb_total"], 1)
            entry.update(tolerance=tol, slack=TOLERANCE_SLACK, max_relative_difference=round(worst, 4),
                         total_relative_difference=round(total_rel, 4), keys_outside_tolerance=outside[:max_listed],
                         ok=not outside and total_rel <= tol, equal=not diffs)
        else:
            entry.update(equal=not diffs, ok=not diffs)
        out[name] = entry
    out["all_ok"] = all(v["ok"] for v in out.values() if isinstance(v, dict))
    return out


def cross_check(spark, lake, baseline: dict) -> dict:
    """Compare the figures of :func:`run_baseline` (``baseline``) with those of the gold marts."""
    t0 = time.perf_counter()
    res = compare(spark_figures(spark, lake), baseline["figures"])
    res["seconds"] = round(time.perf_counter() - t0, 2)
    return res
