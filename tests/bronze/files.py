"""Tiny raw files written for tests: real CSV, zip and xlsx bytes, built from plain rows."""

import csv
import datetime as dt
import io
import zipfile
from pathlib import Path

import xlsxwriter

ART_HEADER = ["IDBDT", "IDARTBDT", "KDPROP", "KDKAB", "KDKEC", "KDDESA", "Nama", "JnsKel", "TglLahir",
              "HubKRT", "NIK", "NoKK", "Hub_KRT", "Umur"]
RT_HEADER = ["IDBDT", "KDPROP", "KDKAB", "KDKEC", "KDDESA", "Nama_KRT", "Jumlah_ART", "sta_bangunan", "Jumah_kerbau",
             "percentile", "status_kesejahteraan"]


def art_rows(n=3, kab="03"):
    return [[f"35030100010000{i:04d}", f"35030100010000{i:04d}01", "35", kab, "010", "001", f"NAMA {i}",
             str(1 + i % 2), "1985-07-15", "Kepala rumah tangga", f"35031215078{i:05d}", f"35031201010{i:05d}", "1",
             str(30 + i)] for i in range(n)]


def rt_rows(n=3):
    return [[f"35030100010000{i:04d}", "35", "03", "010", "001", f"NAMA {i}", "3", "1", "0", str(5 + 10 * i),
             str(1 + i % 4)] for i in range(n)]


def csv_text(header, rows, delimiter=","):
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=delimiter, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue()


def dtks_zip(path: Path, art=None, rt=None, delimiter=",", encoding="utf-8", art_header=ART_HEADER,
             rt_header=RT_HEADER) -> Path:
    """A DTKS delivery zip with 3503_ART.csv and 3503_RT.csv."""
    art = art_rows() if art is None else art
    rt = rt_rows() if rt is None else rt
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("3503_ART.csv", csv_text(art_header, art, delimiter).encode(encoding))
        zf.writestr("3503_RT.csv", csv_text(rt_header, rt, delimiter).encode(encoding))
    return path


def xlsx(path: Path, sheets: dict[str, list[list]]) -> Path:
    """An xlsx file; cells keep their Python types (float -> number cell, date -> date cell)."""
    wb = xlsxwriter.Workbook(str(path))
    date_fmt = wb.add_format({"num_format": "dd/mm/yyyy"})
    for name, rows in sheets.items():
        ws = wb.add_worksheet(name)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if value is None:
                    continue
                if isinstance(value, (dt.date, dt.datetime)):
                    ws.write_datetime(r, c, dt.datetime.combine(value, dt.time()) if not isinstance(value, dt.datetime) else value, date_fmt)
                elif isinstance(value, (int, float)):
                    ws.write_number(r, c, value)
                else:
                    ws.write_string(r, c, str(value))
    wb.close()
    return path


KPE_HEADER = ["NO", "N I K", "No. KK", "NAMA", "JENIS_KELAMIN", "TANGGAL_LAHIR", "ALAMAT", "DESA", "KECAMATAN"]


def kpe_rows():
    return [
        [1, "3503121507850003", "3503120101100001", "SITI AMINAH", "P", dt.date(1985, 7, 15), "RT 01", "NGANTRU", "TRENGGALEK"],
        [2, 3503121507850000.0, "3503120101100002", "BUDI", "L", "15-07-1985", "RT 02", "NGANTRU", "TRENGGALEK"],
        [3, "'3503121507850004", None, "H. AMIN", "L", 31243, "RT 03", "SUKO WETAN", "TRENGGALEK"],
    ]
