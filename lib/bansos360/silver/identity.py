"""Identity building blocks of silver: NIK/KK normalization and checks, dates, names, sex, masks.

Everything here is a pure Spark expression (built-in functions only, no Python UDF), so it runs
inside the JVM at full speed. Column functions return a ``Column``; ``with_x`` factories return a
``DataFrame -> DataFrame`` function for ``df.transform(...)``. Nothing reads config: every value
(province code, kecamatan list, date bounds, title list) is a parameter.

Bronze keeps every value as delivered text; ``_cell_types`` says which Excel cells were numbers or
dates. A NIK that Excel held as a number keeps only 15 significant digits, so its 16th digit may be
a made-up ``0``: such values are flagged ``float_lost_digits`` and never trusted.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from bansos360.errors import BansosError

# --------------------------------------------------------------------------- constants
#: Reason codes of :func:`normalize_id`, in the order they are checked.
ID_REASONS = ("empty", "float_lost_digits", "non_digit", "placeholder", "too_short", "too_long", "ok")

#: Length of a NIK or KK number.
ID_LENGTH = 16

#: Title / honorific tokens removed by :func:`normalize_name`, written without dots (a token is
#: compared after removing everything but letters and digits, so ``S.PD.`` and ``SPD`` both match).
#: ``BP`` and ``NY`` are added to the brief's list because the generator's messy files use them.
NAME_TITLES = (
    "ALM", "ALMH", "ALMARHUM", "ALMARHUMAH", "H", "HJ", "HAJI", "HAJJAH", "BPK", "BP", "BAPAK", "IBU", "IB",
    "NY", "SDR", "SDRI", "DR", "IR", "DRS", "SPD", "SH", "SE", "AMD",
)

#: Earliest and latest date :func:`parse_date` accepts by default.
DATE_MIN = dt.date(1900, 1, 1)
DATE_MAX = dt.date(2030, 12, 31)

# Whitespace Spark's trim() leaves alone: NBSP and BOM arrive with Excel copy-paste.
_WS = r"[\s\u00A0\u2007\u202F\uFEFF]"
# Excel's scientific display of a big number, e.g. 3.50306E+15 or, in Indonesian locale, 3,50306E+15.
_SCI = r"^[0-9]+([.,][0-9]+)?[eE][+]?[0-9]+$"
# Text some exports put in an empty NIK cell; treated as empty, not as a non-digit NIK.
_ID_NULL_WORDS = ("NULL", "NONE", "NAN", "NA", "N/A")
_ID_PLACEHOLDERS = ("1234567890123456",)


class IdentityInputError(BansosError, ValueError):
    """A parameter or input column of an identity transformation is missing or malformed."""


# --------------------------------------------------------------------------- helpers
def _strip(raw: Column) -> Column:
    """Trim every kind of whitespace (Spark's ``trim`` only removes ASCII spaces)."""
    return F.regexp_replace(raw, rf"^{_WS}+|{_WS}+$", "")


def _require_columns(df: DataFrame, *cols: str | None) -> None:
    missing = [c for c in cols if c is not None and c not in df.columns]
    if missing:
        raise IdentityInputError(f"missing input column(s) {missing}; present: {df.columns}")


def _region_codes(codes: Iterable[str], allowed: tuple[int, ...]) -> list[str]:
    """Codes as digit strings (``35.03.01`` -> ``350301``), each of an allowed length."""
    out = []
    for code in codes:
        clean = str(code).replace(".", "").strip()
        if not clean.isdigit() or len(clean) not in allowed:
            raise IdentityInputError(f"region code {code!r}: expected {' or '.join(map(str, allowed))} digits")
        out.append(clean)
    return out


def _starts_with_any(value: Column, codes: list[str]) -> Column:
    """True when ``value`` starts with one of ``codes`` (codes may differ in length)."""
    cond = F.lit(False)
    for length in sorted({len(c) for c in codes}):
        cond = cond | F.substring(value, 1, length).isin([c for c in codes if len(c) == length])
    return cond


# --------------------------------------------------------------------------- NIK / KK
def normalize_id(raw: Column, cell_type: Column | None = None) -> Column:
    """Normalize a NIK or KK number; a struct ``{value, raw, reason}``.

    ``value`` is the 16-digit string when the number is well formed, else null; ``raw`` is the text
    as delivered; ``reason`` is the first that applies of ``empty``, ``float_lost_digits``,
    ``non_digit``, ``placeholder``, ``too_short``, ``too_long``, ``ok``.

    Cleaning: trim, drop a leading apostrophe (Excel's force-text prefix), remove spaces, dots,
    hyphens, commas and underscores. Scientific-notation text (``3.50306E+15``) and any value of 15+
    digits whose ``cell_type`` is ``number`` (Excel keeps 15 significant digits, so the 16th is
    unknown) are ``float_lost_digits`` and are never reconstructed. ``NULL``/``NONE``/``NA`` text
    counts as empty. Placeholders are one repeated digit (``0000000000000000``) or
    ``1234567890123456``.
    """
    stripped = F.regexp_replace(_strip(raw), r"^['`\u2018\u2019]+", "")
    digits = F.regexp_replace(stripped, rf"({_WS}|[.\-,_])", "")
    is_number_cell = F.lit(False) if cell_type is None else F.coalesce(F.lower(cell_type) == "number", F.lit(False))
    reason = (
        F.when(raw.isNull() | (digits == "") | F.upper(digits).isin(*_ID_NULL_WORDS), F.lit("empty"))
        .when(stripped.rlike(_SCI) | (is_number_cell & digits.rlike(r"^[0-9]{15,}$")), F.lit("float_lost_digits"))
        .when(~digits.rlike(r"^[0-9]+$"), F.lit("non_digit"))
        .when(digits.rlike(r"^([0-9])\1*$") | digits.isin(*_ID_PLACEHOLDERS), F.lit("placeholder"))
        .when(F.length(digits) < ID_LENGTH, F.lit("too_short"))
        .when(F.length(digits) > ID_LENGTH, F.lit("too_long"))
        .otherwise(F.lit("ok"))
    )
    value = F.when(reason == "ok", digits)
    return F.struct(value.alias("value"), raw.cast("string").alias("raw"), reason.alias("reason"))


def with_id(col: str, prefix: str, cell_types_col: str | None = "_cell_types",
            region_prefixes: list[str] | None = None) -> Callable[[DataFrame], DataFrame]:
    """Add ``<prefix>``, ``<prefix>_raw``, ``<prefix>_format_ok``, ``<prefix>_reason`` from text ``col``.

    ``<prefix>`` is the normalized 16-digit value (null unless the reason is ``ok``), ``<prefix>_raw``
    the text as delivered, ``<prefix>_format_ok`` whether the reason is ``ok``, ``<prefix>_reason``
    the code of :func:`normalize_id`. The Excel cell type is read from the map column
    ``cell_types_col`` under the key ``col`` (pass ``None`` when the frame has no cell types).
    With ``region_prefixes`` (e.g. ``["3503"]`` for a KK issued in Trenggalek) a
    ``<prefix>_wilayah_ok`` column is added too: the value starts with one of them (null when the
    value is null). ``prefix`` may equal ``col``; the raw text then lives on in ``<prefix>_raw``.
    """
    codes = None if region_prefixes is None else _region_codes(region_prefixes, (2, 4, 6))

    def transform(df: DataFrame) -> DataFrame:
        _require_columns(df, col, cell_types_col)
        cell_type = None if cell_types_col is None else F.try_element_at(F.col(cell_types_col), F.lit(col))
        norm = f"__{prefix}_norm"
        # Two projections on purpose: the struct is computed once and its fields read from it.
        # Selecting fields of the expression directly made Spark evaluate the regex cascade once per
        # output column (measured 1.7 s -> see the silver benchmark note).
        df = df.withColumn(norm, normalize_id(F.col(col), cell_type))
        new = {
            prefix: F.col(f"{norm}.value"),
            f"{prefix}_raw": F.col(f"{norm}.raw"),
            f"{prefix}_format_ok": F.col(f"{norm}.reason") == "ok",
            f"{prefix}_reason": F.col(f"{norm}.reason"),
        }
        if codes is not None:
            new[f"{prefix}_wilayah_ok"] = F.when(F.col(f"{norm}.value").isNotNull(),
                                                 _starts_with_any(F.col(f"{norm}.value"), codes))
        return df.withColumns(new).drop(norm)

    return transform


def with_nik_checks(nik_col: str, birth_date_col: str, sex_col: str, prov_code: str = "35",
                    kec_codes: list[str] | None = None, prefix: str = "nik",
                    current_year: int | None = None) -> Callable[[DataFrame], DataFrame]:
    """Add NIK consistency checks and what the NIK itself says about the person.

    Input: ``nik_col`` a normalized 16-digit NIK (anything else counts as null), ``birth_date_col``
    a DateType column, ``sex_col`` the canonical sex code (``1`` male, ``2`` female; string or int).

    * ``<prefix>_wilayah_ok``: digits 1-2 equal ``prov_code`` and, when ``kec_codes`` is given
      (6-digit Kemendagri kabupaten+kecamatan codes like ``350301``; 4-digit kabupaten codes and
      dotted ``35.03.01`` are accepted too), digits 1-6 are one of them. Null when the NIK is null.
    * ``<prefix>_lahir_ok``: digits 7-12 (DDMMYY) agree with the birth date and sex: DD is the day
      for men and day + 40 for women (either form when sex is unknown), MM the month, YY the year
      mod 100. Null when the NIK or the birth date is null.
    * ``<prefix>_sex_from_nik``: ``1`` when DD is 01-31, ``2`` when 41-71, else null.
    * ``<prefix>_birth_date_from_nik``: the DDMMYY date; YY above the current two-digit year means
      19YY, else 20YY. Null when it is not a real date. ``current_year`` fixes "current" (for
      reruns and tests); None takes the year of ``current_date()``.
    """
    if not (isinstance(prov_code, str) and len(prov_code) == 2 and prov_code.isdigit()):
        raise IdentityInputError(f"prov_code {prov_code!r}: expected 2 digits")
    codes = None if kec_codes is None else _region_codes(kec_codes, (4, 6))

    def transform(df: DataFrame) -> DataFrame:
        _require_columns(df, nik_col, birth_date_col, sex_col)
        raw_nik = F.col(nik_col).cast("string")
        nik = F.when(raw_nik.rlike(rf"^[0-9]{{{ID_LENGTH}}}$"), raw_nik)
        birth = F.col(birth_date_col).cast("date")
        sex = F.col(sex_col).cast("string")
        dd = F.substring(nik, 7, 2).cast("int")
        mm = F.substring(nik, 9, 2).cast("int")
        yy = F.substring(nik, 11, 2).cast("int")

        wilayah = F.substring(nik, 1, 2) == prov_code
        if codes is not None:
            wilayah = wilayah & _starts_with_any(nik, codes)

        day = F.dayofmonth(birth)
        day_ok = (F.when(sex == "1", dd == day)
                  .when(sex == "2", dd == day + 40)
                  .otherwise((dd == day) | (dd == day + 40)))
        lahir = F.when(nik.isNotNull() & birth.isNotNull(),
                       day_ok & (mm == F.month(birth)) & (yy == F.year(birth) % 100))

        sex_nik = F.when(dd.between(1, 31), F.lit("1")).when(dd.between(41, 71), F.lit("2"))
        now_yy = (F.year(F.current_date()) if current_year is None else F.lit(current_year)) % 100
        year = F.when(yy > now_yy, yy + 1900).otherwise(yy + 2000)
        real_day = F.when(dd > 40, dd - 40).otherwise(dd)
        iso = F.format_string("%04d-%02d-%02d", year, mm, real_day)
        born = F.when(sex_nik.isNotNull(), F.try_to_date(iso, "yyyy-MM-dd"))

        return df.withColumns({
            f"{prefix}_wilayah_ok": F.when(nik.isNotNull(), wilayah),
            f"{prefix}_lahir_ok": lahir,
            f"{prefix}_sex_from_nik": sex_nik,
            f"{prefix}_birth_date_from_nik": born,
        })

    return transform


# --------------------------------------------------------------------------- dates
_DATE_EMPTY = ("", "NULL", "-")
_ISO = r"^([0-9]{4})[-/]([0-9]{1,2})[-/]([0-9]{1,2})([ T][0-9]{1,2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?)?$"
_DMY = r"^([0-9]{1,2})([/.\-])([0-9]{1,2})\2([0-9]{4})( [0-9]{1,2}:[0-9]{2}(:[0-9]{2})?)?$"
_SERIAL_TEXT = r"^([0-9]{1,5})(\.0+)?$"
_SERIAL_NUMBER = r"^([0-9]{1,5})(\.[0-9]+)?$"   # a number cell may carry a time fraction
_SERIAL_MAX = 60000


def _date_is_empty(text: Column) -> Column:
    return text.isNull() | F.upper(text).isin(*_DATE_EMPTY)


def _ymd(year: Column, month: Column, day: Column) -> Column:
    """A date from text parts, null when they make no real date (try_to_date is strict)."""
    iso = F.concat_ws("-", year, F.lpad(month, 2, "0"), F.lpad(day, 2, "0"))
    return F.try_to_date(iso, "yyyy-MM-dd")


def _parse_date_any(raw: Column, cell_type: Column | None) -> Column:
    """Parse without the range bound; null when empty or in no accepted format."""
    text = _strip(raw)
    is_number_cell = F.lit(False) if cell_type is None else F.coalesce(F.lower(cell_type) == "number", F.lit(False))
    serial_text = F.when(is_number_cell & text.rlike(_SERIAL_NUMBER), F.regexp_extract(text, _SERIAL_NUMBER, 1)) \
        .when(text.rlike(_SERIAL_TEXT), F.regexp_extract(text, _SERIAL_TEXT, 1))
    serial = serial_text.cast("int")   # safe under ANSI: at most 5 digits, checked by the regex
    # Excel's 1900 system: serial 1 = 1900-01-01, and serial 60 is the non-existent 1900-02-29.
    from_serial = (F.when(serial.between(1, 59), F.date_add(F.lit(dt.date(1899, 12, 31)), serial))
                   .when(serial.between(61, _SERIAL_MAX), F.date_add(F.lit(dt.date(1899, 12, 30)), serial)))
    return (
        F.when(_date_is_empty(text), F.lit(None).cast("date"))
        .when(text.rlike(_ISO), _ymd(F.regexp_extract(text, _ISO, 1), F.regexp_extract(text, _ISO, 2),
                                     F.regexp_extract(text, _ISO, 3)))
        .when(text.rlike(_DMY), _ymd(F.regexp_extract(text, _DMY, 4), F.regexp_extract(text, _DMY, 3),
                                     F.regexp_extract(text, _DMY, 1)))
        .when(serial_text.isNotNull(), from_serial)
    )


def parse_date(raw: Column, cell_type: Column | None = None, min_date: dt.date = DATE_MIN,
               max_date: dt.date = DATE_MAX) -> Column:
    """Parse delivered date text into a DateType column; null when empty, unparseable or out of range.

    Accepted: ``YYYY-MM-DD`` (also ``/`` and a trailing ``HH:MM[:SS]`` time), ``DD/MM/YYYY``,
    ``DD-MM-YYYY``, ``DD.MM.YYYY`` (one or two digit day and month), and Excel serial day numbers
    1-60000 as digits, optionally with ``.0`` (any fraction when ``cell_type`` is ``number``), in
    the 1900 date system (serial 1 = 1900-01-01, 60 = Excel's fake 1900-02-29 -> null, from 61 on
    1899-12-30 + serial). ``NULL``, ``-`` and blank give null. Dates outside
    ``min_date``..``max_date`` give null; :func:`date_parse_status` tells the cases apart.
    """
    parsed = _parse_date_any(raw, cell_type)
    return F.when(parsed.between(F.lit(min_date), F.lit(max_date)), parsed)


def date_parse_status(raw: Column, parsed: Column, cell_type: Column | None = None) -> Column:
    """Why a date is what it is: ``ok``, ``empty``, ``out_of_range`` or ``unparseable``.

    ``parsed`` is the result of :func:`parse_date` on the same ``raw`` (and ``cell_type``).
    """
    return (
        F.when(parsed.isNotNull(), F.lit("ok"))
        .when(_date_is_empty(_strip(raw)), F.lit("empty"))
        .when(_parse_date_any(raw, cell_type).isNotNull(), F.lit("out_of_range"))
        .otherwise(F.lit("unparseable"))
    )


# --------------------------------------------------------------------------- names
def _title_prefix_split(text: Column, titles: tuple[str, ...]) -> Column:
    """Put a space after a dotted title glued to the name (``H.AHMAD`` -> ``H. AHMAD``)."""
    single = "|".join(sorted((t for t in titles if t.isalpha()), key=len, reverse=True))
    pattern = rf"(^|\s)({single})\.(?=\p{{L}})"
    # Two passes so that ``DR.IR.AHMAD`` is split twice (a regex pass never re-reads its own output).
    return F.regexp_replace(F.regexp_replace(text, pattern, "$1$2. "), pattern, "$1$2. ")


def normalize_name(raw: Column, titles: Iterable[str] = NAME_TITLES) -> Column:
    """A person's name for comparison: upper case, no titles, no punctuation, single spaces.

    Title tokens (``ALM.``, ``H.``, ``HJ.``, ``BPK``, ``S.PD.``, ...; see :data:`NAME_TITLES`) are
    removed wherever they stand as a whole token, with or without dots, also when a dotted title is
    glued to the name (``H.AHMAD``). Apostrophes are deleted (``MA'RUF`` -> ``MARUF``); every other
    character that is not a letter, digit or space separates words (``M.ALI`` -> ``M ALI``,
    ``SITI-AMINAH`` -> ``SITI AMINAH``). Empty results are null.
    """
    titles = tuple(t.upper().replace(".", "") for t in titles)
    text = _title_prefix_split(F.upper(raw), titles)
    text = F.regexp_replace(text, r"[,;:/()\[\]]", " ")
    tokens = F.split(_strip(text), rf"{_WS}+")
    kept = F.filter(tokens, lambda t: ~F.regexp_replace(t, r"[^\p{L}\p{N}]", "").isin(*titles))
    joined = F.array_join(kept, " ")
    joined = F.regexp_replace(joined, r"['`\u2018\u2019]", "")
    joined = F.regexp_replace(joined, r"[^\p{L}\p{N} ]", " ")
    joined = F.trim(F.regexp_replace(joined, " +", " "))
    return F.when(joined != "", joined)


def name_key(raw: Column, titles: Iterable[str] = NAME_TITLES) -> Column:
    """:func:`normalize_name` with its words sorted, so ``WAHYUDI AKHMAD`` keys like ``AKHMAD WAHYUDI``."""
    return key_of_normalized(normalize_name(raw, titles))


def key_of_normalized(name: Column) -> Column:
    """:func:`name_key` of a name already passed through :func:`normalize_name` (saves re-normalizing)."""
    return F.when(name.isNotNull(), F.array_join(F.array_sort(F.split(name, " ")), " "))


# --------------------------------------------------------------------------- masks (UU PDP)
def mask_nik(col: Column) -> Column:
    """Mask a NIK: a 16-digit value keeps 10 characters (``3506120007******``); others keep half."""
    text = col.cast("string")
    n = F.length(text)
    keep = F.when(text.rlike(rf"^[0-9]{{{ID_LENGTH}}}$"), F.lit(10)).otherwise(F.floor(n / 2).cast("int"))
    return F.when(text.isNotNull(), F.concat(F.substring(text, F.lit(1), keep), F.repeat(F.lit("*"), n - keep)))


def mask_name(col: Column) -> Column:
    """Mask a name word by word: the first two letters then ``***`` (``AKHMAD WAHYUDI`` -> ``AK*** WA***``)."""
    text = _strip(col)
    words = F.split(text, rf"{_WS}+")
    masked = F.array_join(F.transform(words, lambda w: F.concat(F.substring(w, 1, 2), F.lit("***"))), " ")
    return F.when(text != "", masked)


# --------------------------------------------------------------------------- sex
_MALE = ("1", "L", "LK", "LAKILAKI", "PRIA")
_FEMALE = ("2", "P", "PR", "PEREMPUAN", "WANITA")


def sex_code(raw: Column) -> Column:
    """Canonical sex code: ``'1'`` male, ``'2'`` female, else null.

    Accepts ``1``/``2``, ``L``/``P``, ``LK``/``PR``, ``LAKI-LAKI``/``LAKI LAKI``/``PRIA``,
    ``PEREMPUAN``/``WANITA``, in any case and with surrounding spaces.
    """
    key = F.regexp_replace(F.upper(raw.cast("string")), rf"({_WS}|[-_.])", "")
    return F.when(key.isin(*_MALE), F.lit("1")).when(key.isin(*_FEMALE), F.lit("2"))
