"""From a canonical table to a messy file, with every written row and anomaly reported.

A :class:`Logical` table holds the canonical cell values of one file plus the truth of each row.
:func:`render` applies the row-level messiness, lays rows out on sheets (title rows, blank rows,
totals) and writes XLSX or CSV; it returns the ``records`` and ``anomalies`` rows for the truth.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from bansos360.generate import messiness as ms
from bansos360.generate.writers import SheetSpec, csv_text, write_xlsx

RECORD_COLUMNS = [
    "source", "file", "sheet", "row_number", "person_id", "household_id", "outsider_id", "nik_written",
    "nik_cell_type", "name_written", "nik_true", "kk_written", "kk_true", "name_true", "family_kk", "period",
    "established",
]
ANOMALY_COLUMNS = ["source", "file", "sheet", "row_number", "column", "kind", "detail"]


@dataclass
class Logical:
    """Canonical content of one file.

    ``cols`` maps every canonical header to an object array. The date column holds int day numbers,
    the NIK/KK columns 16-digit strings (already the *written* NIK for NIK ganda rows).
    ``truth`` is aligned with the rows (person_id, household_id, outsider_id, nik_true, kk_true,
    name_true, family_kk, period, established). ``content`` lists content anomalies
    (row indices, kind, column, detail) that exist in clean files too.
    """

    source: str
    file: str
    header: list[str]
    cols: dict[str, np.ndarray]
    truth: pd.DataFrame
    female: np.ndarray
    nik_col: str
    kk_col: str | None = None
    name_col: str | None = None
    date_col: str | None = None
    desa_col: str | None = None
    desa_split: np.ndarray | None = None
    content: list[tuple[np.ndarray, str, str | None, str | None]] = field(default_factory=list)
    skip_nik_mess: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.truth)


@dataclass
class Layout:
    """How rows go to sheets (XLSX) or a CSV.

    ``sheet_of``: per-row sheet name (None: one sheet ``sheet``). ``titles``: title rows above the
    header of a sheet (called with the sheet name). ``header_written``: header as written
    (variants). ``totals``: function (sheet, n_rows) -> totals row or None. ``blank_share``: share
    of data rows preceded by an empty row. ``extra_sheets``: sheets that are not data (e.g. Rekap).
    """

    kind: str = "xlsx"                      # 'xlsx' or 'csv'
    sheet: str = "Sheet1"
    sheet_of: np.ndarray | None = None
    sheet_order: list[str] | None = None
    titles: Callable[[str], list[list]] | None = None
    header_written: list[str] | None = None
    totals: Callable[[str, int], list | None] | None = None
    blank_share: float = 0.0
    extra_sheets: list[SheetSpec] = field(default_factory=list)
    delimiter: str = ","
    encoding: str = "utf-8"
    bom: bool = False
    widths: list[float] | None = None


@dataclass
class Rendered:
    records: pd.DataFrame
    anomalies: pd.DataFrame
    rows: int


def _to_date(days) -> dt.date:
    return dt.date(1970, 1, 1) + dt.timedelta(days=int(days))


def render(lg: Logical, lay: Layout, out_dir: Path, rng: np.random.Generator, messy: bool,
           nik_rates: ms.NikRates, kk_factor: float = 0.5, name_share: float = 1.0) -> Rendered:
    """Mess up (if ``messy``), write the file and return its truth rows."""
    n = len(lg)
    cells = {h: np.array(v, dtype=object) for h, v in lg.cols.items()}
    an_rows: list[tuple[np.ndarray, str | None, np.ndarray, np.ndarray]] = []  # (idx, column, kinds, details)
    for idx, kind, col, detail in lg.content:
        idx = np.asarray(idx, dtype=np.int64)
        an_rows.append((idx, col, np.full(len(idx), kind, dtype=object), np.full(len(idx), detail, dtype=object)))
    excel = lay.kind == "xlsx"
    nik_cells = cells[lg.nik_col]
    if messy:
        rates = nik_rates if excel else ms.NikRates(0.0, nik_rates.apostrophe, nik_rates.separators, nik_rates.d15,
                                                     nik_rates.d17, nik_rates.zeros, nik_rates.empty, nik_rates.sci)
        c, k, d = ms.mess_number(nik_cells, rng, rates, "nik", skip=lg.skip_nik_mess)
        cells[lg.nik_col] = c
        an_rows.append((np.flatnonzero(k != None), lg.nik_col, k[k != None], d[k != None]))  # noqa: E711
        if lg.kk_col:
            c, k, d = ms.mess_number(cells[lg.kk_col], rng, rates.scaled(kk_factor), "kk")
            cells[lg.kk_col] = c
            an_rows.append((np.flatnonzero(k != None), lg.kk_col, k[k != None], d[k != None]))  # noqa: E711
        if lg.name_col:
            c, k, d = ms.mess_name(cells[lg.name_col], lg.female, rng, name_share)
            cells[lg.name_col] = c
            an_rows.append((np.flatnonzero(k != None), lg.name_col, k[k != None], d[k != None]))  # noqa: E711
        if lg.desa_col:
            c, k, d = ms.mess_desa(cells[lg.desa_col], lg.desa_split, rng)
            cells[lg.desa_col] = c
            an_rows.append((np.flatnonzero(k != None), lg.desa_col, k[k != None], d[k != None]))  # noqa: E711
    if lg.date_col:
        c, k, d = ms.mess_date(cells[lg.date_col].astype(np.int64), rng, messy, excel)
        cells[lg.date_col] = c
        an_rows.append((np.flatnonzero(k != None), lg.date_col, k[k != None], d[k != None]))  # noqa: E711

    header = lay.header_written if (messy and lay.header_written) else lg.header
    written_name = dict(zip(lg.header, header, strict=True))
    file_an: list[dict] = []
    variants = [(c, w) for c, w in zip(lg.header, header, strict=True) if c != w]

    def header_an(sheet, row):
        for canon, wr in variants:
            file_an.append({"sheet": sheet, "row_number": row, "column": wr, "kind": "header_variant",
                            "detail": f"canonical {canon}"})

    sheet_col = np.full(n, None, dtype=object)
    row_no = np.zeros(n, dtype=np.int64)
    path = out_dir / lg.file
    if excel:
        split = messy and lay.sheet_of is not None  # clean files always have one sheet
        names = (lay.sheet_order or list(dict.fromkeys(lay.sheet_of))) if split else [lay.sheet]
        specs, members = [], []
        for name in names:
            idx = np.flatnonzero(lay.sheet_of == name) if split else np.arange(n)
            members.append(idx)
            data = [[cells[h][i] for h in lg.header] for i in idx]
            titles = lay.titles(name) if (messy and lay.titles) else []
            blanks = set()
            if messy and lay.blank_share > 0 and len(idx) > 5:
                k = max(1, int(round(lay.blank_share * len(idx))))
                blanks = set(int(x) for x in rng.choice(np.arange(1, len(idx)), size=min(k, len(idx) - 1), replace=False))
            totals = lay.totals(name, len(idx)) if (messy and lay.totals) else None
            specs.append(SheetSpec(name=name, header=header, data=data, title_rows=titles, blank_before=blanks,
                                   totals=totals, widths=lay.widths))
        if messy:
            specs.extend(lay.extra_sheets)
        layouts = write_xlsx(path, specs)
        for name, idx, lo in zip(names, members, layouts[: len(names)], strict=True):
            sheet_col[idx] = name
            row_no[idx] = lo.data_rows
            for r in lo.title_rows:
                file_an.append({"sheet": name, "row_number": r, "kind": "title_rows", "detail": "title row above the header"})
            for r in lo.blank_rows:
                file_an.append({"sheet": name, "row_number": r, "kind": "blank_row", "detail": "empty row inside the data"})
            if lo.totals_row:
                file_an.append({"sheet": name, "row_number": lo.totals_row, "kind": "totals_row", "detail": "JUMLAH row"})
            header_an(name, lo.header_row)
            if lo.header_row != 1:
                file_an.append({"sheet": name, "row_number": lo.header_row, "kind": "header_offset",
                                "detail": f"header on row {lo.header_row}"})
        if messy:
            for extra in lay.extra_sheets:
                file_an.append({"sheet": extra.name, "kind": "summary_sheet", "detail": "sheet without KPM rows"})
            if len(names) > 1:
                file_an.append({"sheet": None, "kind": "multi_sheet", "detail": f"{len(names)} data sheets"})
    else:
        cols = []
        for h in lg.header:
            v = cells[h]
            cols.append(np.array([None if x is None else (x if isinstance(x, str) else _num_text(x)) for x in v], dtype=object))
        text = csv_text(header, cols, delimiter=lay.delimiter)
        data = text.encode(lay.encoding)
        if lay.bom:
            data = b"\xef\xbb\xbf" + data
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        row_no[:] = np.arange(n) + 2
        header_an(None, 1)
        if lay.delimiter != ",":
            file_an.append({"sheet": None, "row_number": 1, "kind": "csv_delimiter", "detail": f"delimiter {lay.delimiter!r}"})
        if lay.bom:
            file_an.append({"sheet": None, "row_number": 1, "kind": "csv_bom", "detail": "UTF-8 byte-order mark"})

    # ---- truth
    nik_w = cells[lg.nik_col]
    rec = pd.DataFrame(
        {
            "source": lg.source,
            "file": lg.file,
            "sheet": sheet_col,
            "row_number": row_no,
            "person_id": lg.truth["person_id"].to_numpy(),
            "household_id": lg.truth["household_id"].to_numpy(),
            "outsider_id": lg.truth["outsider_id"].to_numpy(),
            "nik_written": [_written(x) for x in nik_w],
            "nik_cell_type": [_ctype(x) for x in nik_w],
            "name_written": cells[lg.name_col] if lg.name_col else None,
            "nik_true": lg.truth["nik_true"].to_numpy(),
            "kk_written": [_written(x) for x in cells[lg.kk_col]] if lg.kk_col else None,
            "kk_true": lg.truth["kk_true"].to_numpy(),
            "name_true": lg.truth["name_true"].to_numpy(),
            "family_kk": lg.truth.get("family_kk", pd.Series([None] * n)).to_numpy(),
            "period": lg.truth.get("period", pd.Series([None] * n)).to_numpy(),
            "established": lg.truth.get("established", pd.Series([None] * n, dtype=object)).to_numpy(),
        }
    )[RECORD_COLUMNS]
    parts = []
    for idx, col, kinds, details in an_rows:
        if len(idx) == 0:
            continue
        parts.append(pd.DataFrame({"source": lg.source, "file": lg.file, "sheet": sheet_col[idx], "row_number": row_no[idx],
                                   "column": written_name.get(col, col) if col else None, "kind": kinds, "detail": details}))
    for a in file_an:
        parts.append(pd.DataFrame([{"source": lg.source, "file": lg.file, "sheet": a.get("sheet"),
                                    "row_number": a.get("row_number"), "column": a.get("column"),
                                    "kind": a["kind"], "detail": a.get("detail")}]))
    an = pd.concat(parts, ignore_index=True)[ANOMALY_COLUMNS] if parts else pd.DataFrame(columns=ANOMALY_COLUMNS)
    an["row_number"] = an["row_number"].astype("Int64")
    return Rendered(records=rec, anomalies=an, rows=n)


def _num_text(x) -> str:
    if isinstance(x, float) and x.is_integer():
        return str(int(x))
    if isinstance(x, dt.date):
        return x.isoformat()
    return str(x)


def _written(x) -> str | None:
    """A written NIK/KK cell as text (numbers without the '.0')."""
    if x is None:
        return None
    if isinstance(x, float):
        return str(int(x))
    return str(x)


def _ctype(x) -> str:
    if x is None:
        return "empty"
    if isinstance(x, float):
        return "number"
    return "text"
