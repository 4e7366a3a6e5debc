"""The generator's real files at scale 0.01: determinism, counts, NIK rules, messiness, truth."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import zipfile
from pathlib import Path

import pandas as pd
from python_calamine import CalamineWorkbook

SCALE = 0.01
PERIODS = ["2018-05", "2019-07", "2019-10", "2020-01", "2020-10"]
KPM = {
    "PKH": ("kpm/ExportMstPeserta PKH (8-7-2020).xlsx", 30_806),
    "BPNT": ("kpm/Program Sembako Tahap 8 Agustus 2020.xlsx", 78_857),
    "BST": ("kpm/BNBA TL THP 3.xlsx", 31_340),
    "KPE": ("kpm/BNBA KPE 20K.xlsx", 20_000),
}
XLSX = [f for f, _ in KPM.values()] + ["disabilitas/Data Disabilitas Trenggalek.xlsx",
                                      "usulan/Usulan Daerah 2019-07.xlsx", "usulan/Usulan Daerah 2020-01.xlsx"]
CSVS = ["usulan/Usulan Daerah 2019-10.csv", "usulan/Usulan Daerah 2020-10.csv"]
FORMAT_KINDS = {
    "nik_float_lost_digit", "nik_apostrophe", "nik_separators", "nik_15_digits", "nik_17_digits", "nik_zeros",
    "nik_empty", "kk_float_lost_digit", "kk_apostrophe", "kk_separators", "name_case", "name_title", "name_typo",
    "name_swapped", "date_text_dmy", "date_serial", "date_null", "title_rows", "totals_row", "blank_row",
    "header_variant", "desa_spelling", "layout_variant", "csv_delimiter", "csv_encoding", "multi_sheet",
    "summary_sheet",
}
CONTENT_KINDS = {"not_in_dtks", "not_in_latest_dtks", "nik_ganda", "breach_pkh_no_sembako", "breach_kpe_overlap",
                 "breach_pkh_no_kis", "dtks_nik_lahir_mismatch", "usulan_not_established"}


# --------------------------------------------------------------------------- readers
def zip_member(out: Path, period: str, member: str) -> bytes:
    with zipfile.ZipFile(out / "dtks" / f"3503_DTKS_{period}.zip") as zf:
        assert sorted(zf.namelist()) == ["3503_ART.csv", "3503_RT.csv"]
        return zf.read(member)


def decode(raw: bytes) -> tuple[str, str, str]:
    """(text, encoding, delimiter): UTF-8 (BOM allowed) first, else cp1252."""
    try:
        text, enc = raw.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        text, enc = raw.decode("cp1252"), "cp1252"
    first = text.split("\n", 1)[0]
    return text, enc, (";" if first.count(";") > first.count(",") else ",")


def csv_rows(raw: bytes) -> list[list[str]]:
    text, _, delim = decode(raw)
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=delim))


def frame(rows: list[list[str]]) -> pd.DataFrame:
    df = pd.DataFrame(rows[1:], columns=rows[0])
    df["_line"] = range(2, len(df) + 2)
    return df


def dtks(out: Path, period: str, member: str) -> pd.DataFrame:
    return frame(csv_rows(zip_member(out, period, member)))


def sheets(path: Path) -> dict[str, list[list]]:
    wb = CalamineWorkbook.from_path(str(path))
    return {s: wb.get_sheet_by_name(s).to_python(skip_empty_area=False) for s in wb.sheet_names}


def as_text(v) -> str | None:
    """A NIK cell as the truth writes it: numbers without '.0', empty as None."""
    if v is None or v == "":
        return None
    if isinstance(v, float):
        return str(int(v))
    return str(v)


def truth(out: Path, name: str) -> pd.DataFrame:
    return pd.read_parquet(out / "_truth" / f"{name}.parquet")


def parse_tgl(s: str) -> dt.date | None:
    if s == "NULL" or not s:
        return None
    if "/" in s:
        d, m, y = s.split("/")
        return dt.date(int(y), int(m), int(d))
    return dt.date.fromisoformat(s)


def header_index(rows: list[list], name: str) -> tuple[int, int]:
    """(row index, column index) of the first header cell spelled ``name``."""
    for i, r in enumerate(rows[:10]):
        if name in r:
            return i, r.index(name)
    raise AssertionError(f"header {name!r} not found")


# --------------------------------------------------------------------------- determinism
def _csv_payloads(out: Path) -> dict[str, bytes]:
    data = {}
    for p in PERIODS:
        for m in ("3503_ART.csv", "3503_RT.csv"):
            data[f"{p}/{m}"] = zip_member(out, p, m)
    for f in CSVS:
        data[f] = (out / f).read_bytes()
    return data


def _xlsx_values(out: Path) -> dict[str, dict]:
    return {f: sheets(out / f) for f in XLSX}


def test_same_seed_same_bytes_and_cells(gen_messy, gen_messy_again):
    a, b = gen_messy[0], gen_messy_again[0]
    assert _csv_payloads(a) == _csv_payloads(b)
    assert _xlsx_values(a) == _xlsx_values(b)
    # xlsx carry a fixed creation time: even the bytes agree
    for f in XLSX:
        assert (a / f).read_bytes() == (b / f).read_bytes(), f


def test_other_seed_other_data(gen_messy, gen_seed43):
    a, b = _csv_payloads(gen_messy[0]), _csv_payloads(gen_seed43[0])
    assert all(a[k] != b[k] for k in a)
    assert _xlsx_values(gen_messy[0])[XLSX[0]] != _xlsx_values(gen_seed43[0])[XLSX[0]]


def test_manifest_lists_files_with_hashes(gen_messy):
    out, summary = gen_messy
    man = json.loads((out / "manifest.json").read_text())
    assert man["scale"] == SCALE and man["seed"] == 42 and man["clean"] is False
    paths = {f["path"] for f in man["files"]}
    expected = {f"dtks/3503_DTKS_{p}.zip" for p in PERIODS} | set(XLSX) | set(CSVS)
    assert expected <= paths
    for f in man["files"]:
        assert hashlib.sha256((out / f["path"]).read_bytes()).hexdigest() == f["sha256"]
    art = next(f for f in man["files"] if f["path"] == "dtks/3503_DTKS_2020-10.zip")["members"]["3503_ART.csv"]
    assert art == len(dtks(out, "2020-10", "3503_ART.csv"))
    assert summary["files"]["kpm/BNBA KPE 20K.xlsx"] == round(20_000 * SCALE)


def test_rerun_replaces_previous_content(tmp_path):
    from bansos360.generate import generate

    stale = tmp_path / "kpm" / "old.xlsx"
    stale.parent.mkdir(parents=True)
    stale.write_text("x")
    keep = tmp_path / "notes.txt"
    keep.write_text("mine")
    generate(tmp_path, scale=0.002, seed=1, clean=True)
    assert not stale.exists() and keep.exists()


# --------------------------------------------------------------------------- counts
def test_households_persons_families_per_period(gen_messy):
    out = gen_messy[0]
    for p in PERIODS:
        rt = dtks(out, p, "3503_RT.csv")
        art = dtks(out, p, "3503_ART.csv")
        hh = len(rt)
        assert abs(hh - 95_097 * SCALE) < 0.08 * 95_097 * SCALE, (p, hh)
        assert 2.9 < len(art) / hh < 3.4, p
        fam = art.groupby(["IDBDT", "NoKK"]).ngroups
        assert 1.04 < fam / hh < 1.22, p
        assert set(art["IDBDT"]) == set(rt["IDBDT"])
        assert art["IDARTBDT"].is_unique
        # household size in RT agrees with the ART rows
        size = art.groupby("IDBDT").size()
        jumlah = rt.set_index("IDBDT")["Jumlah_ART"].astype(int)
        assert (size.reindex(jumlah.index) == jumlah).all()


def test_every_desa_has_households(gen_messy):
    from bansos360.generate.reference import desa_table

    out = gen_messy[0]
    seen = set()
    for p in PERIODS:
        rt = dtks(out, p, "3503_RT.csv")
        seen |= set("3503" + rt["KDKEC"] + rt["KDDESA"])
    assert seen == set(desa_table()["kode_bps"])


def test_kpm_counts_match_seed_times_scale(gen_messy):
    out = gen_messy[0]
    rec = truth(out, "records")
    for prog, (f, n) in KPM.items():
        assert (rec["source"] == f"kpm:{prog}").sum() == round(n * SCALE)
        data = 0
        for name, rows in sheets(out / f).items():
            if name == "Rekap":
                continue
            hi, nik_col = header_index(rows, {"PKH": "NIK", "BPNT": "NIK_KTP", "BST": "NO_IDENTITAS", "KPE": "N I K"}[prog])
            data += sum(1 for r in rows[hi + 1:] if any(c not in ("", None) for c in r) and r[0] != "JUMLAH")
        assert data == round(n * SCALE), prog
    dis = (rec["source"] == "disabilitas").sum()
    assert dis == round(6_162 * SCALE)


def test_desil_status_and_percentile(gen_messy):
    out = gen_messy[0]
    rt = dtks(out, "2020-10", "3503_RT.csv")
    pct = pd.to_numeric(rt["percentile"], errors="coerce")
    st = pd.to_numeric(rt["status_kesejahteraan"], errors="coerce")
    ok = pct.between(1, 40)
    assert (st[ok] == (pct[ok] / 10).apply(lambda x: -(-x // 1))).all()
    assert st[~ok].isna().all()
    other = (~ok).mean()
    assert 0.002 < other < 0.03
    assert set(st.dropna().astype(int)) == {1, 2, 3, 4}


# --------------------------------------------------------------------------- NIK rules
def _nik_consistent(nik: str, sex: str, born: dt.date) -> bool:
    dd, mm, yy = int(nik[6:8]), int(nik[8:10]), int(nik[10:12])
    female = dd > 40
    return (female == (sex == "2")) and (dd - 40 * female, mm, yy) == (born.day, born.month, born.year % 100)


def test_dtks_nik_16_digits_and_consistent_except_truth(gen_messy):
    out = gen_messy[0]
    an = truth(out, "anomalies")
    mism = an[an["kind"] == "dtks_nik_lahir_mismatch"]
    for p in PERIODS:
        art = dtks(out, p, "3503_ART.csv")
        assert art["NIK"].str.fullmatch(r"\d{16}").all()
        assert art["NoKK"].str.fullmatch(r"\d{16}").all()
        listed = set(mism.loc[mism["file"] == f"dtks/3503_DTKS_{p}.zip", "row_number"])
        bad = set()
        for nik, sex, tgl, line in zip(art["NIK"], art["JnsKel"], art["TglLahir"], art["_line"], strict=True):
            born = parse_tgl(tgl)
            if born is not None and not _nik_consistent(nik, sex, born):
                bad.add(line)
        # every inconsistent row is declared, and declared rows are (with a known date) inconsistent
        assert bad <= listed
        dated = {ln for ln, t in zip(art["_line"], art["TglLahir"], strict=True) if t != "NULL"}
        assert listed & dated == bad
        assert 0.001 < len(listed) / len(art) < 0.012


def test_umur_matches_birth_date_at_period(gen_messy):
    out = gen_messy[0]
    for p in PERIODS[1:]:  # 2018-05 uses the older layout without Umur
        art = dtks(out, p, "3503_ART.csv")
        ref = dt.date(int(p[:4]), int(p[5:]), 1)
        for tgl, umur in zip(art["TglLahir"], art["Umur"], strict=True):
            born = parse_tgl(tgl)
            if born is None:
                continue
            age = ref.year - born.year - ((ref.month, ref.day) < (born.month, born.day))
            assert int(umur) == age


def test_nik_region_mostly_trenggalek_kemendagri_codes(gen_messy):
    from bansos360.generate.reference import desa_table

    out = gen_messy[0]
    art = dtks(out, "2020-10", "3503_ART.csv")
    kec_dagri = set(desa_table()["kec_dagri"])
    inside = art["NIK"].str[:4] == "3503"
    assert 0.93 < inside.mean() < 0.995
    assert set(art.loc[inside, "NIK"].str[4:6]) <= kec_dagri
    # the NIK uses the Kemendagri kecamatan code, not the BPS one: Watulimo is 08 (BPS 030)
    home = art[inside & (art["KDKEC"] == "030")]
    assert (home["NIK"].str[4:6] == "08").mean() > 0.7


def test_dtks_program_flags_follow_kpm_lists(gen_messy):
    out = gen_messy[0]
    art = dtks(out, "2020-10", "3503_ART.csv").set_index("NIK")
    rec = truth(out, "records")
    for prog, col in (("PKH", "Ada_pkh"), ("BPNT", "Ada_BPNT")):
        r = rec[(rec["source"] == f"kpm:{prog}") & rec["nik_true"].isin(art.index)]
        flags = art.loc[r["nik_true"], col]
        assert (flags == "1").mean() > 0.9, prog
    an = truth(out, "anomalies")
    nokis = an[(an["kind"] == "breach_pkh_no_kis")]
    pkh = rec[rec["source"] == "kpm:PKH"].set_index("row_number")
    niks = pkh.loc[nokis["row_number"], "nik_true"]
    assert (art.loc[niks, "Ada_pbi"] == "2").all()


# --------------------------------------------------------------------------- messiness
def test_dtks_messy_layouts(gen_messy):
    out = gen_messy[0]
    rt18 = csv_rows(zip_member(out, "2018-05", "3503_RT.csv"))[0]
    art18 = csv_rows(zip_member(out, "2018-05", "3503_ART.csv"))[0]
    assert len(rt18) == 71 and "Percentile" in rt18 and "status_kesejahteraan" not in rt18
    assert art18[:2] == ["IDARTBDT", "IDBDT"] and "IDPENGURUS" in art18
    rt19 = csv_rows(zip_member(out, "2019-07", "3503_RT.csv"))[0]
    rt20 = csv_rows(zip_member(out, "2020-10", "3503_RT.csv"))[0]
    assert len(rt19) == len(rt20) == 59
    assert {"Sta_bangunan", "Ada_telpon", "Jumah_kerbau"} <= set(rt19) and "sta_bangunan" not in rt19
    raw = zip_member(out, "2019-10", "3503_ART.csv")
    text, enc, delim = decode(raw)
    assert delim == ";" and enc == "cp1252"
    assert b"\x92" in raw  # names with a typographic apostrophe, encoded as cp1252
    names = set(frame(csv_rows(raw))["Nama"])
    assert any("\u2019" in n for n in names)
    tgl = dtks(out, "2020-10", "3503_ART.csv")["TglLahir"]
    assert tgl.str.fullmatch(r"\d\d/\d\d/\d{4}").any() and (tgl == "NULL").any()
    assert tgl.str.fullmatch(r"\d{4}-\d\d-\d\d").mean() > 0.9
    assert raw.count(b"\r\n") == raw.count(b"\n")  # CRLF line ends only (csv module default)


def test_kpm_messiness_present(gen_messy):
    out = gen_messy[0]
    from bansos360.generate.reference import kecamatan_names

    semb = sheets(out / KPM["BPNT"][0])
    assert list(semb) == [k.upper() for k in kecamatan_names()]
    for rows in semb.values():
        assert rows[0][0].startswith("DAFTAR KPM PROGRAM SEMBAKO") and all(c == "" for c in rows[2])
        assert rows[3][:2] == ["NOMOR_KARTU", "NIK_KTP"]
        assert rows[-1][0] == "JUMLAH"
    bst = sheets(out / KPM["BST"][0])
    assert list(bst) == ["BNBA", "Rekap"]
    assert sheets(out / KPM["PKH"][0]).keys() == {"Sheet1"}
    kpe = sheets(out / KPM["KPE"][0])["KPE"]
    assert {"N I K", "No. KK", "Nama"} <= set(kpe[1])
    cells, dates, names = [], [], []
    for f in XLSX:
        for name, rows in sheets(out / f).items():
            if name == "Rekap":
                continue
            for col in ("NIK", "NIK_KTP", "NO_IDENTITAS", "N I K"):
                try:
                    hi, j = header_index(rows, col)
                except AssertionError:
                    continue
                cells += [r[j] for r in rows[hi + 1:] if r[0] != "JUMLAH" and any(c != "" for c in r)]
            for col in ("TGL_LHR", "TANGGAL_LAHIR", "Tgl. Lahir"):
                try:
                    hi, j = header_index(rows, col)
                except AssertionError:
                    continue
                dates += [r[j] for r in rows[hi + 1:] if r[0] != "JUMLAH"]
            for col in ("NAMAART", "NAMA_PENERIMA", "NAMA", "Nama"):
                try:
                    hi, j = header_index(rows, col)
                except AssertionError:
                    continue
                names += [r[j] for r in rows[hi + 1:] if isinstance(r[j], str)]
    floats = [c for c in cells if isinstance(c, float)]
    texts = [c for c in cells if isinstance(c, str)]
    assert floats and all(int(c) % 10 == 0 and len(str(int(c))) == 16 for c in floats)
    assert any(c.startswith("'") for c in texts)
    assert any("." in c or " " in c for c in texts)
    assert any(c.isdigit() and len(c) == 15 for c in texts) and any(c.isdigit() and len(c) == 17 for c in texts)
    assert "0000000000000000" in texts and "" in texts
    assert any(isinstance(d, dt.date) for d in dates) and any(isinstance(d, float) for d in dates)
    assert any(isinstance(d, str) and len(d) == 10 and d[2] == "-" for d in dates)
    assert any(n != n.upper() for n in names if n)
    assert any(n.split(" ")[0] in ("H.", "HJ.", "ALM.", "BPK.", "IBU", "NY.", "BP.") for n in names if n)


def test_non_row_anomalies_point_at_their_rows(gen_messy):
    out = gen_messy[0]
    an = truth(out, "anomalies")
    books = {f: sheets(out / f) for f in XLSX}
    kinds = set(an["kind"])
    assert {"title_rows", "totals_row", "blank_row", "header_variant", "multi_sheet", "summary_sheet"} <= kinds
    for _, a in an[an["kind"].isin(["title_rows", "totals_row", "blank_row"])].iterrows():
        row = books[a["file"]][a["sheet"]][a["row_number"] - 1]
        if a["kind"] == "blank_row":
            assert all(c == "" for c in row)
        elif a["kind"] == "totals_row":
            assert row[0] == "JUMLAH"
        # title rows: non-empty, or the empty spacer row under the titles
    hv = an[(an["kind"] == "header_variant") & (an["file"] == KPM["KPE"][0])]
    for _, a in hv.iterrows():
        assert a["column"] in books[a["file"]][a["sheet"]][a["row_number"] - 1]


def test_usulan_files(gen_messy):
    out = gen_messy[0]
    raw = (out / CSVS[0]).read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    text, enc, delim = decode(raw)
    assert delim == ";"
    rows = csv_rows((out / CSVS[1]).read_bytes())
    assert rows[0] == ["NO", "PERIODE_PENETAPAN", "IDBDT", "NIK", "NO_KK", "NAMA", "JENIS_KELAMIN", "TANGGAL_LAHIR",
                       "HUB_KRT", "ALAMAT", "DESA", "KECAMATAN", "JENIS_USULAN", "KETERANGAN"]
    rec = truth(out, "records")
    us = rec[rec["source"] == "usulan"]
    # established proposals are in that period's DTKS, the others in none
    all_niks = set()
    for p in PERIODS:
        all_niks |= set(dtks(out, p, "3503_ART.csv")["NIK"])
    for p in PERIODS[1:]:
        nik_p = set(dtks(out, p, "3503_ART.csv")["NIK"])
        sub = us[us["period"] == p]
        est = sub["established"].astype(bool).to_numpy()
        assert len(sub) > 0
        assert sub.loc[est, "nik_true"].isin(nik_p).all()
        assert not sub.loc[~est, "nik_true"].isin(all_niks).any()
        assert (~est).any()


# --------------------------------------------------------------------------- truth pointers
def test_truth_row_numbers_point_at_written_nik_and_name(gen_messy):
    out = gen_messy[0]
    rec = truth(out, "records")
    nik_names = {"NIK", "NIK_KTP", "NO_IDENTITAS", "N I K"}
    name_names = {"NAMAART", "NAMA_PENERIMA", "NAMA", "Nama"}
    checked = 0
    for f, grp in rec.groupby("file"):
        if f.endswith(".csv"):
            rows = {None: csv_rows((out / f).read_bytes())}
        else:
            rows = sheets(out / f)
        for sheet, g in grp.groupby(grp["sheet"].fillna("-"), dropna=False):
            r = rows[None if sheet == "-" else sheet]
            hi = next(i for i, x in enumerate(r[:10]) if nik_names & set(x))
            jn = next(j for j, c in enumerate(r[hi]) if c in nik_names)
            jm = next(j for j, c in enumerate(r[hi]) if c in name_names)
            for rn, nik, name in zip(g["row_number"], g["nik_written"], g["name_written"], strict=True):
                line = r[rn - 1]
                assert as_text(line[jn]) == nik, (f, sheet, rn)
                assert line[jm] == name, (f, sheet, rn)
                checked += 1
    assert checked == len(rec)


def test_truth_people_link_to_dtks(gen_messy):
    out = gen_messy[0]
    rec = truth(out, "records")
    persons = truth(out, "persons").set_index("person_id")
    inside = rec[rec["person_id"].notna()]
    assert inside["person_id"].isin(persons.index).all()
    assert (persons.loc[inside["person_id"], "nik"].to_numpy() == inside["nik_true"].to_numpy()).all()
    assert rec.loc[rec["person_id"].isna(), "outsider_id"].notna().all()
    pp = truth(out, "person_periods")
    art = dtks(out, "2020-01", "3503_ART.csv").set_index("_line")
    sub = pp[pp["period"] == "2020-01"]
    assert (art.loc[sub["art_row"], "IDARTBDT"].to_numpy() == sub["idartbdt"].to_numpy()).all()


def test_content_shares(gen_messy):
    out = gen_messy[0]
    an = truth(out, "anomalies")
    rec = truth(out, "records")
    n = rec.groupby("source").size()
    nid = an[an["kind"] == "not_in_dtks"].groupby("source").size()
    assert 0.15 < nid["kpm:KPE"] / n["kpm:KPE"] < 0.35
    assert 0.03 < nid["kpm:BPNT"] / n["kpm:BPNT"] < 0.10
    assert 0.2 < nid["disabilitas"] / n["disabilitas"] < 0.4
    # outsiders really are outside every DTKS period
    all_niks = set()
    for p in PERIODS:
        all_niks |= set(dtks(out, p, "3503_ART.csv")["NIK"])
    outs = rec[rec["person_id"].isna()]
    assert not outs["nik_true"].isin(all_niks).any()
    assert rec.loc[rec["person_id"].notna(), "nik_true"].isin(all_niks).all()


def test_rfm_segments_from_files(gen_messy):
    out = gen_messy[0]
    seen = {}
    for i, p in enumerate(PERIODS):
        for h in dtks(out, p, "3503_RT.csv")["IDBDT"]:
            seen.setdefault(h, set()).add(i)
    def seg(s):
        last, freq = max(s), len(s)
        r = "T" if last == 4 else ("S" if last >= 2 else "R")
        f = "T" if freq == 5 else ("S" if freq >= 3 else "R")
        return r + f
    shares = pd.Series([seg(s) for s in seen.values()]).value_counts(normalize=True)
    assert abs(len(seen) - 100_892 * SCALE) < 0.03 * 100_892 * SCALE
    assert abs(shares["TT"] - 0.879) < 0.03
    assert abs(shares["TS"] - 0.056) < 0.025
    assert abs(shares.get("SS", 0) - 0.030) < 0.02
    assert abs(shares.get("RR", 0) - 0.025) < 0.02
    assert set(shares.index) <= {"TT", "TS", "TR", "SS", "SR", "RR"}
    hh = truth(out, "households").set_index("household_id")
    code = {"TT": "A", "TS": "B", "TR": "C", "SS": "E", "SR": "F", "RR": "I"}
    assert all(hh.loc[h, "segment"] == code[seg(s)] for h, s in seen.items())


# --------------------------------------------------------------------------- clean
def test_clean_has_no_format_messiness(gen_clean):
    out = gen_clean[0]
    art_header = csv_rows(zip_member(out, "2020-10", "3503_ART.csv"))[0]
    rt_header = csv_rows(zip_member(out, "2020-10", "3503_RT.csv"))[0]
    for p in PERIODS:
        for m, hdr in (("3503_ART.csv", art_header), ("3503_RT.csv", rt_header)):
            raw = zip_member(out, p, m)
            raw.decode("utf-8")  # strict UTF-8
            rows = csv_rows(raw)
            assert rows[0] == hdr and decode(raw)[2] == ","
        tgl = frame(csv_rows(zip_member(out, p, "3503_ART.csv")))["TglLahir"]
        assert tgl.str.fullmatch(r"\d{4}-\d\d-\d\d").all()
    assert len(art_header) == 42 and len(rt_header) == 59
    for f in XLSX:
        book = sheets(out / f)
        assert len(book) == 1, f
        rows = next(iter(book.values()))
        assert rows[0][0] in ("NO", "NOPESERTA", "NOMOR_KARTU")
        nik_j = next(j for j, c in enumerate(rows[0]) if c in ("NIK", "NIK_KTP", "NO_IDENTITAS"))
        for r in rows[1:]:
            assert isinstance(r[nik_j], str) and len(r[nik_j]) == 16 and r[nik_j].isdigit()
            assert r[0] != "JUMLAH" and any(c != "" for c in r)
            for c in r:
                assert not isinstance(c, (dt.date, dt.datetime))
            assert r[nik_j] == r[nik_j].strip()
        names = [c for r in rows[1:] for c in r if isinstance(c, str)]
        assert all(n == n.upper() for n in names if n[:1].isalpha() and n not in _labels())
    for f in CSVS:
        raw = (out / f).read_bytes()
        assert not raw.startswith(b"\xef\xbb\xbf") and decode(raw)[2] == ","
    kinds = set(truth(out, "anomalies")["kind"])
    assert kinds <= CONTENT_KINDS and not (kinds & FORMAT_KINDS)
    assert {"not_in_dtks", "nik_ganda", "breach_pkh_no_sembako"} <= kinds


def _labels() -> set[str]:
    from bansos360.generate.disabilitas import LABELS

    return {v for vs in LABELS.values() for v in vs}


def test_messy_run_has_every_format_kind(gen_messy):
    kinds = set(truth(gen_messy[0], "anomalies")["kind"])
    missing = (FORMAT_KINDS - {"kk_float_lost_digit"}) - kinds
    assert not missing, missing
