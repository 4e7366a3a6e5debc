"""File writers: fast CSV (byte-identical to the ``csv`` module's minimal quoting), deterministic
zip archives and XLSX workbooks (XlsxWriter, constant-memory mode, fixed creation time).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import xlsxwriter

# Fixed document time: identical bytes for identical content.
WORKBOOK_CREATED = dt.datetime(2020, 10, 1, 8, 0, 0)
ZIP_TIME = (2020, 10, 1, 8, 0, 0)
CRLF = "\r\n"


# --------------------------------------------------------------------------- CSV
def int_col(values: np.ndarray) -> pa.Array:
    """Integer codes -> strings; negative values (the generator's "empty") become empty fields."""
    v = np.asarray(values)
    return pa.array(v.astype(np.int64), mask=v < 0).cast(pa.string())


def str_col(values) -> pa.Array:
    """Object/str values -> pyarrow strings (None stays empty)."""
    if isinstance(values, pa.Array):
        return values.cast(pa.string())
    return pa.array(np.asarray(values, dtype=object), type=pa.string(), from_pandas=True)


def _quote_minimal(arr: pa.Array, delimiter: str) -> pa.Array:
    pattern = "[" + re.escape(delimiter) + '"\r\n]'
    need = pc.fill_null(pc.match_substring_regex(arr, pattern), False)
    if not pc.any(need).as_py():
        return arr
    quoted = pc.binary_join_element_wise('"', pc.replace_substring(arr, '"', '""'), '"', "")
    return pc.if_else(need, quoted, arr)


def csv_text(header: list[str], columns: list, delimiter: str = ",", lineterminator: str = CRLF) -> str:
    """CSV text with the ``csv`` module's QUOTE_MINIMAL rules, built column-wise with pyarrow."""
    cols = [_quote_minimal(str_col(c), delimiter) for c in columns]
    head = delimiter.join(_quote_minimal(pa.array(header, pa.string()), delimiter).to_pylist())
    if not cols or len(cols[0]) == 0:
        return head + lineterminator
    lines = pc.binary_join_element_wise(*cols, delimiter, null_handling="replace", null_replacement="")
    body = lineterminator.join(lines.to_pylist())
    return head + lineterminator + body + lineterminator


def write_zip(path: Path, members: list[tuple[str, bytes]]) -> None:
    """Zip with fixed timestamps and permissions (same input -> same bytes)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as zf:
        for name, data in members:
            info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED, compresslevel=6)


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


# --------------------------------------------------------------------------- XLSX
@dataclass
class SheetSpec:
    """One worksheet: optional title rows, a header, data rows, blank rows, a totals row.

    ``blank_before`` holds data indices before which an empty row is inserted. Cell values may
    be str, int/float (number cells), datetime.date (date cells) or None (no cell).
    """

    name: str
    header: list[str]
    data: list[list] = field(default_factory=list)
    title_rows: list[list] = field(default_factory=list)
    blank_before: set[int] = field(default_factory=set)
    totals: list | None = None
    widths: list[float] | None = None


@dataclass
class SheetLayout:
    """Physical 1-based row numbers of what :func:`write_xlsx` wrote on one sheet."""

    name: str
    header_row: int
    data_rows: np.ndarray
    title_rows: list[int]
    blank_rows: list[int]
    totals_row: int | None


def write_xlsx(path: Path, sheets: list[SheetSpec]) -> list[SheetLayout]:
    """Write ``sheets`` to ``path`` and return where every row landed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_numbers": False,
                                          "strings_to_formulas": False, "strings_to_urls": False})
    wb.set_properties({"created": WORKBOOK_CREATED, "author": "bansos360-generator"})
    fmt_date = wb.add_format({"num_format": "dd/mm/yyyy"})
    fmt_bold = wb.add_format({"bold": True})
    layouts = []
    for sh in sheets:
        ws = wb.add_worksheet(sh.name)
        if sh.widths:
            for j, w in enumerate(sh.widths):
                ws.set_column(j, j, w)
        r = 0
        titles = []
        for tr in sh.title_rows:
            _write_row(ws, r, tr, fmt_date, fmt_bold)
            titles.append(r + 1)
            r += 1
        header_row = r + 1
        for j, h in enumerate(sh.header):
            ws.write_string(r, j, h, fmt_bold)
        r += 1
        rows = np.empty(len(sh.data), dtype=np.int64)
        blanks = []
        bb = sh.blank_before
        write_string, write_number, write_datetime = ws.write_string, ws.write_number, ws.write_datetime
        for i, row in enumerate(sh.data):
            if i in bb:
                blanks.append(r + 1)
                r += 1
            for j, v in enumerate(row):
                if v is None:
                    continue
                t = type(v)
                if t is str:
                    if v != "":
                        write_string(r, j, v)
                elif t is float or t is int or t is np.float64 or t is np.int64:
                    write_number(r, j, v)
                elif t is dt.date or t is dt.datetime:
                    write_datetime(r, j, v, fmt_date)
                else:
                    write_string(r, j, str(v))
            rows[i] = r + 1
            r += 1
        totals = None
        if sh.totals is not None:
            _write_row(ws, r, sh.totals, fmt_date, fmt_bold)
            totals = r + 1
            r += 1
        layouts.append(SheetLayout(sh.name, header_row, rows, titles, blanks, totals))
    wb.close()
    return layouts


def _write_row(ws, r: int, values: list, fmt_date, fmt_bold) -> None:
    for j, v in enumerate(values):
        if v is None or v == "":
            continue
        if isinstance(v, str):
            ws.write_string(r, j, v, fmt_bold)
        elif isinstance(v, (int, float)):
            ws.write_number(r, j, v, fmt_bold)
        else:
            ws.write_datetime(r, j, v, fmt_date)
