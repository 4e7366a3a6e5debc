"""Readers and extraction on real files, without Spark."""

import datetime as dt
import zipfile

import pytest

from bansos360.bronze.readers import excel_cell_to_text, extract, read_sheets
from bansos360.config import Config
from bansos360.errors import MissingColumnError, SourceFileError
from tests.bronze import files


@pytest.fixture(scope="module")
def sources():
    return Config().sources


def run(sources, source, path):
    spec = sources.sources[source]
    d = sources.defaults
    return extract(read_sheets(path, spec, str(path)), spec, sources.matcher(source), label=str(path),
                   search_rows=d.header_search_rows, min_matches=d.min_header_matches, total_markers=d.total_markers)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (3503121507850000.0, ("3503121507850000", "number")),
        (12.5, ("12.5", "number")),
        ("'3503121507850004", ("'3503121507850004", None)),
        (dt.datetime(1985, 7, 15), ("1985-07-15", "date")),
        (dt.date(1985, 7, 15), ("1985-07-15", "date")),
        ("", (None, None)),
        (True, ("TRUE", "bool")),
    ],
)
def test_excel_cell_to_text(value, expected):
    assert excel_cell_to_text(value) == expected


def test_xlsx_with_title_rows_totals_and_blank_rows(sources, tmp_path):
    rows = [["DAFTAR PENERIMA KPE"], ["KABUPATEN TRENGGALEK"], [], files.KPE_HEADER, *files.kpe_rows(),
            [None], ["JUMLAH", None, None, 3]]
    ex = run(sources, "kpm_kpe", files.xlsx(tmp_path / "kpe.xlsx", {"Data": rows}))
    assert ex.header_rows == {"Data": 4}
    assert [r["_row_number"] for r in ex.rows] == [5, 6, 7]
    assert ex.rows_blank == 1 and ex.rows_read == 4
    assert ex.quarantine == [{"sheet": "Data", "row_number": 9, "column": None,
                              "raw_value": "JUMLAH |  |  | 3", "reason": "totals_row"}]
    first, second, third = ex.rows
    assert first["nik"] == "3503121507850003" and first["_cell_types"] == {"no_urut": "number", "tanggal_lahir": "date"}
    # A NIK typed as a number keeps the digits Excel held and is marked, never "repaired".
    assert second["nik"] == "3503121507850000" and second["_cell_types"]["nik"] == "number"
    assert second["tanggal_lahir"] == "15-07-1985"
    assert third["nik"] == "'3503121507850004" and third["no_kk"] is None
    assert third["tanggal_lahir"] == "31243" and third["_cell_types"]["tanggal_lahir"] == "number"


def test_several_sheets_and_a_summary_sheet_is_skipped(sources, tmp_path):
    header = ["NO", "NO_IDENTITAS", "NO_KK", "NAMA_PENERIMA", "NAMA_KEL", "NAMA_KEC"]
    path = files.xlsx(tmp_path / "bst.xlsx", {
        "PANGGUL": [header, [1, "3503010101800001", "3503010101100001", "A", "BESUKI", "PANGGUL"]],
        "DONGKO": [["BST THP 3"], header, [1, "3503040101800001", "3503040101100001", "B", "DONGKO", "DONGKO"],
                   [2, "3503040101800002", "3503040101100002", "C", "DONGKO", "DONGKO"]],
        "Rekap": [["KECAMATAN", "JUMLAH KPM"], ["PANGGUL", 1], ["DONGKO", 2]],
    })
    ex = run(sources, "kpm_bst", path)
    assert ex.sheets_read == ["PANGGUL", "DONGKO"] and ex.sheets_skipped == ["Rekap"]
    assert [(r["_sheet"], r["_row_number"], r["nama"]) for r in ex.rows] == [
        ("PANGGUL", 2, "A"), ("DONGKO", 3, "B"), ("DONGKO", 4, "C")]


def test_unknown_headers_are_kept_in_extra(sources, tmp_path):
    path = files.xlsx(tmp_path / "kpe.xlsx", {"S": [files.KPE_HEADER + ["CATATAN PETUGAS"],
                                                    files.kpe_rows()[0] + ["cek ulang"]]})
    ex = run(sources, "kpm_kpe", path)
    assert ex.rows[0]["_extra"] == {"CATATAN PETUGAS": "cek ulang"}
    assert ex.unknown_headers == ["CATATAN PETUGAS"]


def test_semicolon_cp1252_csv_in_zip(sources, tmp_path):
    art = files.art_rows()
    art[0][6] = "JOSÉ"
    path = files.dtks_zip(tmp_path / "d.zip", art=art, delimiter=";", encoding="cp1252")
    ex = run(sources, "dtks_art", path)
    assert ex.encoding == "cp1252" and ex.delimiter == ";"
    assert ex.rows[0]["nama"] == "JOSÉ" and ex.rows[0]["hubkrt_label"] == "Kepala rumah tangga"
    assert ex.rows[0]["hub_krt"] == "1"


def test_ragged_csv_row_is_quarantined_with_its_line(sources, tmp_path):
    art = files.art_rows()
    art[1] = art[1][:-2]
    ex = run(sources, "dtks_art", files.dtks_zip(tmp_path / "d.zip", art=art))
    assert [r["_row_number"] for r in ex.rows] == [2, 4]
    assert ex.quarantine[0]["row_number"] == 3
    assert ex.quarantine[0]["reason"].startswith("field_count: expected 14 fields, found 12")


def test_missing_required_column_names_file_sheet_and_column(sources, tmp_path):
    header = [h for h in files.KPE_HEADER if h != "N I K"]
    path = files.xlsx(tmp_path / "kpe.xlsx", {"Data": [header, ["1", "x", "A"]]})
    with pytest.raises(MissingColumnError) as err:
        run(sources, "kpm_kpe", path)
    assert err.value.column == "nik" and err.value.sheet == "Data" and "kpe.xlsx" in str(err.value)


def test_csv_renamed_to_xlsx(sources, tmp_path):
    path = tmp_path / "kpe.xlsx"
    path.write_text("NO,NIK,NAMA\n1,3503,A\n")
    with pytest.raises(SourceFileError, match="not an Excel workbook"):
        run(sources, "kpm_kpe", path)


def test_corrupt_xlsx(sources, tmp_path):
    good = files.xlsx(tmp_path / "good.xlsx", {"S": [files.KPE_HEADER, files.kpe_rows()[0]]})
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(good.read_bytes()[:300])
    with pytest.raises(SourceFileError, match="cannot open workbook"):
        run(sources, "kpm_kpe", bad)


def test_empty_file(sources, tmp_path):
    path = tmp_path / "kpe.csv"
    path.write_text("")
    with pytest.raises(SourceFileError, match="empty"):
        run(sources, "kpm_kpe", path)


def test_truncated_and_foreign_zip(sources, tmp_path):
    good = files.dtks_zip(tmp_path / "good.zip")
    bad = tmp_path / "bad.zip"
    bad.write_bytes(good.read_bytes()[:100])
    with pytest.raises(SourceFileError, match="zip"):
        run(sources, "dtks_art", bad)
    other = tmp_path / "other.zip"
    with zipfile.ZipFile(other, "w") as zf:
        zf.writestr("readme.txt", "hello")
    with pytest.raises(SourceFileError, match="no member '3503_ART.csv'"):
        run(sources, "dtks_art", other)
