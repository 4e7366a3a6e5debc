"""Unit tests of generator helpers (no files of a full run needed)."""

from __future__ import annotations

import csv
import datetime as dt
import io

import numpy as np
import pytest

from bansos360.generate import messiness as ms
from bansos360.generate import nik
from bansos360.generate.params import EPOCH, age_at
from bansos360.generate.reference import desa_table, split_compound
from bansos360.generate.writers import csv_text


def _days(d: dt.date) -> int:
    return (d - EPOCH).days


def test_csv_text_matches_csv_module_minimal_quoting():
    rows = [["a,b", 'x"y', None, "", "p\nq", "r;s"], ["1", "2", "3", "4", "5", "6"], ["", "", "", "", "", ""]]
    header = ["h1", "h;2", "h,3", "h4", "h5", "h6"]
    cols = [[r[j] for r in rows] for j in range(len(header))]
    for delim in (",", ";"):
        buf = io.StringIO()
        w = csv.writer(buf, delimiter=delim)
        w.writerow(header)
        w.writerows([["" if v is None else v for v in r] for r in rows])
        assert csv_text(header, cols, delimiter=delim) == buf.getvalue()


def test_nik_numbers_unique_and_encode_birth_and_sex():
    rng = np.random.default_rng(0)
    n = 5000
    region = np.full(n, 350312)
    birth = np.full(n, _days(dt.date(1985, 7, 15)))
    birth[::2] = _days(dt.date(1990, 1, 3))
    female = np.arange(n) % 3 == 0
    s = nik.to_str(nik.make_numbers(region, birth, rng, female))
    assert len(set(s)) == n and all(len(x) == 16 for x in s)
    for x, b, f in zip(s[:200], birth[:200], female[:200], strict=True):
        d, sex = nik.decode_nik(x)
        assert sex == (2 if f else 1)
        assert d == EPOCH + dt.timedelta(days=int(b))
    assert s[1].startswith("350312150785")
    assert nik.decode_nik("3503124507850003") == (dt.date(1985, 7, 5), 2)
    assert nik.decode_nik("35031215078500") == (None, None)


def test_serials_start_at_one_per_key():
    rng = np.random.default_rng(1)
    keys = np.array([5, 5, 3, 5, 3, 9])
    s = nik.serials(keys, rng)
    assert sorted(s[keys == 5]) == [1, 2, 3] and sorted(s[keys == 3]) == [1, 2] and s[keys == 9][0] == 1


def test_age_at_is_calendar_exact():
    b = np.array([_days(dt.date(2000, 10, 1)), _days(dt.date(2000, 10, 2)), _days(dt.date(2000, 2, 29))])
    at = _days(dt.date(2020, 10, 1))
    assert list(age_at(b, at)) == [20, 19, 20]


def test_mess_number_kinds_do_what_they_say():
    rng = np.random.default_rng(3)
    vals = np.array(["3503121507850003"] * 4000, dtype=object)
    cells, kinds, _ = ms.mess_number(vals, rng, ms.NikRates(0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.05, 0.05), "nik")
    seen = set(kinds) - {None}
    assert seen == {"nik_float_lost_digit", "nik_apostrophe", "nik_separators", "nik_15_digits", "nik_17_digits",
                    "nik_zeros", "nik_empty", "nik_float_sci"}
    for c, k in zip(cells, kinds, strict=True):
        if k is None:
            assert c == "3503121507850003"
        elif k == "nik_float_lost_digit":
            assert c == 3503121507850000.0
        elif k == "nik_apostrophe":
            assert c == "'3503121507850003"
        elif k == "nik_separators":
            assert c.replace(".", "").replace(" ", "") == "3503121507850003" and c != "3503121507850003"
        elif k == "nik_15_digits":
            assert len(c) == 15 and c.isdigit()
        elif k == "nik_17_digits":
            assert len(c) == 17 and c.isdigit()
        elif k == "nik_zeros":
            assert c == "0" * 16
        elif k == "nik_empty":
            assert c is None
        elif k == "nik_float_sci":
            assert c == "3.50312E+15"


def test_mess_name_changes_only_declared_rows():
    rng = np.random.default_rng(4)
    names = np.array(["SRI WAHYUNI", "SUTRISNO", "BUDI SANTOSO"] * 2000, dtype=object)
    female = np.array([True, False, False] * 2000)
    cells, kinds, _ = ms.mess_name(names, female, rng)
    changed = cells != names
    assert (changed == (kinds != None)).all()  # noqa: E711
    sw = [c for c, k in zip(cells, kinds, strict=True) if k == "name_swapped"]
    assert sw and all(c in ("WAHYUNI SRI", "SANTOSO BUDI") for c in sw)


@pytest.mark.parametrize("name,split", [("Sukowetan", "SUKO WETAN"), ("Karangtengah", "KARANG TENGAH"),
                                        ("Ngulungkulon", "NGULUNG KULON"), ("Sumberejo", "SUMBER REJO"),
                                        ("Panggul", None), ("Prigi", None)])
def test_split_compound(name, split):
    assert split_compound(name) == split


def test_reference_is_package_data():
    t = desa_table()
    assert len(t) == 157 and t["kode_bps"].str.fullmatch(r"3503\d{6}").all()
    assert t["kec_dagri"].nunique() == 14
