"""Gold marts of the KPM dashboards D1-D5: overview and profile, NIK/KK ownership, desil, multi-program
and BNBA detail.

Every mart starts from one record-level frame, :func:`kpm_records`: one row per KPM record of
``silver.penerima_bansos`` with its link to DTKS (``silver.link_penerima_dtks``), the linked DTKS
individual (the row of the linked period) and its household's desil, the NIK ganda flag, a person
key and a location. Decisions every mart shares (so the dashboards agree with each other):

* **Location of a record** (``kode_bps``/``kode_kec``): the desa of the KPM list when it matched the
  reference, else the desa of the linked DTKS row, else unknown (null code, names
  ``Tidak diketahui``). Names come from ``silver.ref_wilayah``.
* **DTKS status of a record** (``status_dtks``): ``ditemukan_terbaru`` when linked (NIK or
  probabilistic) to a row of the latest DTKS period; ``riwayat_saja`` when linked only to an
  earlier period; ``tidak_ditemukan`` otherwise (no link, or a NIK that belongs to someone else:
  ``nik_name_conflict``). "Found in DTKS" on D1-D3 always means the latest period, so a record
  found only in history counts as *not in the latest DTKS* (D3's inclusion-error indicator) but
  keeps its own category everywhere so it can be told apart.
* **Person** (D1 unique counts, D4): a valid NIK that is not NIK ganda; else the linked DTKS
  individual (taking the NIK of another record linked to the same individual when there is one,
  so a record with a broken NIK joins its person); else, for a NIK ganda record, NIK + normalized
  name (different people sharing a NIK stay apart); else the record itself.
* **Desil**: the linked household's desil in the linked period, banded with
  :meth:`GoldContext.desil_band` (bands from ``settings.yaml``, never hard-coded).

Multi-program rules (D4) are data: ``conf/program_rules.yaml``, validated by :class:`ProgramRules`.
No Python UDFs: everything is built-in Spark functions.
"""

from __future__ import annotations

from functools import reduce
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, StringConstraints, model_validator
from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from bansos360.config import Settings, Strict, load_yaml_model
from bansos360.errors import ConfigError
from bansos360.gold.context import DTKS_FLAGS, GoldContext
from bansos360.gold.registry import mart
from bansos360.silver import identity as idn
from bansos360.silver.linkage import LINKED_METHODS

RULES_FILE = "program_rules.yaml"

#: program code of the rows that count all programs together (D1)
SEMUA = "SEMUA"
#: label of an unknown kecamatan/desa, and of a category with no value
TIDAK_DIKETAHUI = "Tidak diketahui"
SEMUA_KECAMATAN = "Semua kecamatan"
SEMUA_DESA = "Semua desa"


#: record status against DTKS -> Indonesian label
STATUS_DTKS = {
    "ditemukan_terbaru": "Ditemukan di DTKS terbaru",
    "riwayat_saja": "Hanya di DTKS periode lama",
    "tidak_ditemukan": "Tidak ditemukan di DTKS",
}
#: D3 categories after the desil bands (found without band, history only, not found)
KATEGORI_RIWAYAT = "Hanya di DTKS periode lama"
KATEGORI_TIDAK = "Tidak ditemukan di DTKS"

#: DTKS program flags of silver.individu a rule may test
FLAG_COLUMNS = tuple(DTKS_FLAGS)

#: NIK reason codes of silver (identity.normalize_id) -> D2 column
NIK_REASON_COLUMNS = {
    "empty": "nik_kosong",
    "float_lost_digits": "nik_angka_excel",
    "non_digit": "nik_bukan_angka",
    "placeholder": "nik_placeholder",
    "too_short": "nik_terlalu_pendek",
    "too_long": "nik_terlalu_panjang",
}

#: age groups of the D1 profile: (from, to inclusive or None, label); > 65 = lansia as in D10
KELOMPOK_UMUR = ((0, 4, "0-4 tahun"), (5, 14, "5-14 tahun"), (15, 24, "15-24 tahun"), (25, 44, "25-44 tahun"),
                 (45, 59, "45-59 tahun"), (60, 65, "60-65 tahun"), (66, None, "> 65 tahun (lansia)"))

NIK_GANDA_ALASAN = {
    "nama_berbeda": "Nama berbeda",
    "tanggal_lahir_berbeda": "Tanggal lahir berbeda",
    "nama_berbeda+tanggal_lahir_berbeda": "Nama dan tanggal lahir berbeda",
}


# =========================================================================== program rules (D4)
RuleCode = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$")]
Flag = Literal["ada_kks", "ada_pbi", "ada_kip", "ada_pkh", "ada_bpnt"]


class ProgramRule(Strict):
    """One multi-program rule: every condition given must hold for a person."""

    label: str = Field(min_length=1, description="Indonesian label (dashboards)")
    description: str = ""
    breach: bool = Field(False, description="true: a violation (pelanggaran) to follow up")
    has: list[str] = Field(default_factory=list, description="every program listed")
    has_any_of: list[str] = Field(default_factory=list, description="at least one of the programs")
    lacks: list[str] = Field(default_factory=list, description="none of the programs")
    min_programs: int | None = Field(None, ge=1)
    max_programs: int | None = Field(None, ge=1)
    count_except: list[str] = Field(default_factory=list, description="programs min/max_programs do not count")
    has_flags: list[Flag] = Field(default_factory=list, description="DTKS flags that must be Ya")
    lacks_flags: list[Flag] = Field(default_factory=list, description="DTKS flags that must be Tidak")

    @model_validator(mode="after")
    def _consistent(self):
        if not (self.has or self.has_any_of or self.lacks or self.min_programs or self.max_programs
                or self.has_flags or self.lacks_flags):
            raise ValueError("a rule needs at least one condition (has, has_any_of, lacks, min_programs, "
                             "max_programs, has_flags, lacks_flags)")
        both = sorted(set(self.has) & set(self.lacks))
        if both:
            raise ValueError(f"programs {both} are both in has and lacks: the rule can never hold")
        if self.min_programs and self.max_programs and self.min_programs > self.max_programs:
            raise ValueError(f"min_programs {self.min_programs} > max_programs {self.max_programs}")
        if self.count_except and not (self.min_programs or self.max_programs):
            raise ValueError("count_except only makes sense with min_programs or max_programs")
        flags = sorted(set(self.has_flags) & set(self.lacks_flags))
        if flags:
            raise ValueError(f"flags {flags} are both in has_flags and lacks_flags")
        return self

    def programs(self) -> dict[str, list[str]]:
        """Field -> program codes the rule names (checked against settings.yaml)."""
        return {k: v for k, v in (("has", self.has), ("has_any_of", self.has_any_of), ("lacks", self.lacks),
                                  ("count_except", self.count_except)) if v}


class ProgramRules(Strict):
    """``conf/program_rules.yaml``: rule code -> rule, in dashboard order."""

    rules: dict[RuleCode, ProgramRule] = Field(min_length=1)


def load_program_rules(conf_dir: Path | str, settings: Settings) -> ProgramRules:
    """Load and validate ``<conf_dir>/program_rules.yaml``; program codes must be in ``settings``.
    Errors name the file and the key (``rules.pkh_tanpa_kis.has: unknown program ...``)."""
    path = Path(conf_dir) / RULES_FILE
    rules = load_yaml_model(path, ProgramRules)
    known = [p.code for p in settings.programs]
    errors = []
    for code, rule in rules.rules.items():
        for key, progs in rule.programs().items():
            bad = [p for p in progs if p not in known]
            if bad:
                errors.append(f"{path}: rules.{code}.{key}: unknown program(s) {bad}; "
                              f"known (settings.yaml programs): {known}")
    if errors:
        raise ConfigError("invalid configuration\n  " + "\n  ".join(errors))
    return rules


def _lits(values) -> Column:
    return F.array(*[F.lit(v) for v in values])


def rule_condition(rule: ProgramRule, programs: Column, flags: dict[str, Column]) -> Column:
    """True when ``rule`` holds for a person with the set of ``programs`` (array of codes) and DTKS
    ``flags`` (flag -> boolean column, null when not in DTKS: a flag condition is then not met)."""
    conds = [F.array_contains(programs, p) for p in rule.has]
    if rule.has_any_of:
        conds.append(F.arrays_overlap(programs, _lits(rule.has_any_of)))
    if rule.lacks:
        conds.append(~F.arrays_overlap(programs, _lits(rule.lacks)))
    counted = F.size(F.array_except(programs, _lits(rule.count_except)) if rule.count_except else programs)
    if rule.min_programs:
        conds.append(counted >= rule.min_programs)
    if rule.max_programs:
        conds.append(counted <= rule.max_programs)
    conds += [flags[f] == F.lit(True) for f in rule.has_flags]
    conds += [flags[f] == F.lit(False) for f in rule.lacks_flags]
    return F.coalesce(reduce(lambda a, b: a & b, conds), F.lit(False))


# =========================================================================== shared building blocks
def program_name(ctx: GoldContext, program: Column) -> Column:
    """Program name from settings.yaml (``Semua program`` for SEMUA; the code itself when unknown)."""
    expr = F.when(program == SEMUA, F.lit("Semua program"))
    for p in ctx.settings.programs:
        expr = expr.when(program == p.code, F.lit(p.name))
    return F.coalesce(expr, program)


def program_order(ctx: GoldContext, program: Column) -> Column:
    """Position of a program in settings.yaml (unknown programs last)."""
    expr = F.lit(len(ctx.settings.programs))
    for i, p in reversed(list(enumerate(ctx.settings.programs))):
        expr = F.when(program == p.code, F.lit(i)).otherwise(expr)
    return expr


def with_place_names(ref: DataFrame, *, level: Column | None = None) -> callable:
    """Add ``nama_kecamatan`` (from ``kode_kec``) and ``nama_desa`` (from ``kode_bps``) from
    ``silver.ref_wilayah``; an unknown code reads ``Tidak diketahui``. ``level`` (D1 ``tingkat``)
    names the aggregate rows ``Semua kecamatan``/``Semua desa`` instead."""
    def _(df: DataFrame) -> DataFrame:
        desa = ref.select(F.col("kode_bps").alias("_ref_bps"), F.col("nama_desa").alias("_ref_desa"))
        kec = ref.select(F.col("kode_kec_bps").alias("_ref_kec"), F.col("nama_kecamatan").alias("_ref_nkec")).distinct()
        out = (df.join(F.broadcast(desa), F.col("kode_bps") == F.col("_ref_bps"), "left")
               .join(F.broadcast(kec), F.col("kode_kec") == F.col("_ref_kec"), "left"))
        nkec = F.coalesce(F.col("_ref_nkec"), F.lit(TIDAK_DIKETAHUI))
        ndesa = F.coalesce(F.col("_ref_desa"), F.lit(TIDAK_DIKETAHUI))
        if level is not None:
            nkec = F.when(level == "kabupaten", F.lit(SEMUA_KECAMATAN)).otherwise(nkec)
            ndesa = F.when(level.isin("kabupaten", "kecamatan"), F.lit(SEMUA_DESA)).otherwise(ndesa)
        return (out.withColumns({"nama_kecamatan": nkec, "nama_desa": ndesa})
                .drop("_ref_bps", "_ref_desa", "_ref_kec", "_ref_nkec"))
    return _


def _one_per_key(df: DataFrame, keys: list[str], cols: list[str]) -> DataFrame:
    """One row per key with ``cols``: silver keeps duplicate keys (counted by its quality rules), a
    mart must not multiply records by them; the smallest row (struct order) wins, deterministically."""
    return (df.select(*keys, F.struct(*cols).alias("_v")).groupBy(*keys).agg(F.min("_v").alias("_v"))
            .select(*keys, *[F.col(f"_v.{c}").alias(c) for c in cols]))


_INDIVIDU_COLS = ["kode_bps", "nama", "tanggal_lahir", "umur", "jenis_kelamin_label", "no_kk", "no_kk_format_ok",
                  "hub_krt_label", "sta_kawin_label", "jenis_cacat_label", "is_disabilitas", "penyakit_kronis_label",
                  "is_penyakit_kronis", "ijazah_tertinggi_label", "sta_bekerja_label", "lapangan_usaha_label",
                  *FLAG_COLUMNS]


def kpm_records(ctx: GoldContext) -> DataFrame:
    """:func:`build_kpm_records`, computed once per context (see :meth:`GoldContext.shared`)."""
    return ctx.shared("marts_kpm.kpm_records", lambda: build_kpm_records(ctx))


def build_kpm_records(ctx: GoldContext) -> DataFrame:
    """One row per KPM record with its DTKS link, the linked individual and household, the NIK ganda
    flag, ``person_key`` and location (``kode_bps``, ``kode_kec``; names not attached).

    Reads: ``penerima`` (record_id, program, nik, nik_mask, nik_format_ok, nik_reason, no_kk,
    no_kk_format_ok, nama, nama_norm, nama_mask, tanggal_lahir, jenis_kelamin, alamat, kode_bps,
    wilayah_match, _source_file, _sheet, _row_number), ``link_penerima`` (record_id, idartbdt, idbdt,
    periode, in_latest, match_method, match_probability), ``individu`` (periode, idartbdt and
    :data:`_INDIVIDU_COLS`), ``rumah_tangga`` (periode, idbdt, desil, desil_scheme), ``nik_ganda``
    (record_id).
    """
    p = ctx.penerima.select(
        "record_id", "program", "nik", "nik_mask", "nik_format_ok", "nik_reason", "no_kk", "no_kk_format_ok",
        "nama", "nama_norm", "nama_mask", "tanggal_lahir", "jenis_kelamin", "alamat",
        F.col("kode_bps").alias("kode_bps_daftar"), "wilayah_match", "_source_file", "_sheet", "_row_number")
    link = _one_per_key(ctx.link_penerima, ["record_id"],
                        ["idartbdt", "idbdt", "periode", "in_latest", "match_method", "match_probability"])
    # only the DTKS rows some record links to (a few % of all periods' rows) are deduplicated
    wanted = link.select("periode", "idartbdt").where(F.col("idartbdt").isNotNull()).distinct()
    ind = _one_per_key(ctx.individu.join(wanted, ["periode", "idartbdt"], "left_semi"), ["periode", "idartbdt"],
                       _INDIVIDU_COLS)
    ind = ind.select(F.col("periode").alias("_i_per"), F.col("idartbdt").alias("_i_art"),
                     *[F.col(c).alias(f"d_{c}") for c in _INDIVIDU_COLS])
    wanted_rt = link.select("periode", "idbdt").where(F.col("idbdt").isNotNull()).distinct()
    rt = (_one_per_key(ctx.rumah_tangga.join(wanted_rt, ["periode", "idbdt"], "left_semi"), ["periode", "idbdt"],
                       ["desil", "desil_scheme"])
          .withColumnsRenamed({"periode": "_r_per", "idbdt": "_r_bdt"}))
    ganda = ctx.nik_ganda.select("record_id").distinct().withColumn("nik_ganda", F.lit(True))

    linked = F.col("match_method").isin(*LINKED_METHODS) & F.col("idartbdt").isNotNull()
    df = (p.join(link, "record_id", "left")
          .withColumn("match_method", F.coalesce(F.col("match_method"), F.lit("none")))
          .withColumn("linked", linked)
          # a record that is not linked keeps no DTKS ids (a conflict's holder is not this person)
          .withColumns({c: F.when(F.col("linked"), F.col(c)) for c in ("idartbdt", "idbdt", "periode")})
          .withColumnRenamed("periode", "periode_dtks")
          .join(ind, (F.col("periode_dtks") == F.col("_i_per")) & (F.col("idartbdt") == F.col("_i_art")), "left")
          .join(rt, (F.col("periode_dtks") == F.col("_r_per")) & (F.col("idbdt") == F.col("_r_bdt")), "left")
          .drop("_i_per", "_i_art", "_r_per", "_r_bdt")
          .join(F.broadcast(ganda), "record_id", "left")
          .withColumn("nik_ganda", F.coalesce(F.col("nik_ganda"), F.lit(False))))
    in_latest = F.coalesce(F.col("in_latest"), F.col("periode_dtks") == ctx.latest_period, F.lit(False))
    df = df.withColumns({
        "in_latest": F.col("linked") & in_latest,
        "status_dtks": (F.when(F.col("linked") & in_latest, F.lit("ditemukan_terbaru"))
                        .when(F.col("linked"), F.lit("riwayat_saja")).otherwise(F.lit("tidak_ditemukan"))),
        "nik_valid": F.coalesce(F.col("nik_format_ok"), F.lit(False)) & F.col("nik").isNotNull(),
        "kode_bps": F.coalesce(F.col("kode_bps_daftar"), F.col("d_kode_bps")),
    }).withColumn("kode_kec", F.substring(F.col("kode_bps"), 1, 7))
    return df.transform(with_person_key)


def with_person_key(df: DataFrame) -> DataFrame:
    """``person_key`` and ``jenis_kunci`` of each record (see the module docstring for the order)."""
    nik_key = F.when(F.col("nik_valid") & ~F.col("nik_ganda"), F.concat(F.lit("NIK:"), F.col("nik")))
    df = df.withColumn("_nik_key", nik_key)
    via_art = (df.where(F.col("_nik_key").isNotNull() & F.col("idartbdt").isNotNull())
               .groupBy(F.col("idartbdt").alias("_art")).agg(F.min("_nik_key").alias("_art_key")))
    df = df.join(via_art, F.col("idartbdt") == F.col("_art"), "left")
    key = F.coalesce(
        F.col("_nik_key"), F.col("_art_key"),
        F.when(F.col("idartbdt").isNotNull(), F.concat(F.lit("ART:"), F.col("idartbdt"))),
        F.when(F.col("nik_valid"), F.concat(F.lit("NIK:"), F.col("nik"), F.lit("|"),
                                            F.coalesce(F.col("nama_norm"), F.lit("")))),
        F.concat(F.lit("REC:"), F.col("record_id")))
    kind = (F.when(F.col("_nik_key").isNotNull() | F.col("_art_key").isNotNull(), F.lit("nik"))
            .when(F.col("idartbdt").isNotNull(), F.lit("idartbdt"))
            .when(F.col("nik_valid"), F.lit("nik_nama")).otherwise(F.lit("record")))
    return df.withColumns({"person_key": key, "jenis_kunci": kind}).drop("_nik_key", "_art", "_art_key")


def kelompok_umur(umur: Column) -> tuple[Column, Column]:
    """(label, order) of the D1 age group of ``umur``; ``Tidak diketahui`` when unknown."""
    label, order = F.lit(TIDAK_DIKETAHUI), F.lit(len(KELOMPOK_UMUR) + 1)
    for i, (lo, hi, text) in reversed(list(enumerate(KELOMPOK_UMUR, start=1))):
        cond = (umur >= lo) if hi is None else umur.between(lo, hi)
        label = F.when(cond, F.lit(text)).otherwise(label)
        order = F.when(cond, F.lit(i)).otherwise(order)
    return label, order


def band_order(ctx: GoldContext, band: Column, scheme: str) -> Column:
    """Position of a band label in the scheme's conf order; :data:`NO_DESIL` after the bands."""
    labels = list(ctx.desil_bands(scheme))
    expr = F.lit(len(labels) + 1)
    for i, label in reversed(list(enumerate(labels, start=1))):
        expr = F.when(band == label, F.lit(i)).otherwise(expr)
    return expr


def latest_scheme(ctx: GoldContext) -> str:
    """Desil scheme of the latest DTKS period (settings.yaml)."""
    return ctx.settings.period(ctx.latest_period).desil_scheme


def _count_if(cond: Column) -> Column:
    return F.sum(F.when(cond, 1).otherwise(0)).cast("long")


# =========================================================================== column comments
PLACE = {
    "kode_kec": "Kode BPS kecamatan (7 digit); kosong bila lokasi tidak diketahui",
    "kode_bps": "Kode BPS desa/kelurahan (10 digit): desa pada daftar KPM, bila tidak cocok referensi "
                "maka desa baris DTKS yang tertaut; kosong bila tidak diketahui",
    "nama_kecamatan": "Nama kecamatan (Tidak diketahui bila lokasi tidak diketahui)",
    "nama_desa": "Nama desa/kelurahan (Tidak diketahui bila lokasi tidak diketahui)",
}
PROGRAM = {
    "program": "Kode program bansos (settings.yaml), misalnya PKH, BPNT, BST, KPE",
    "nama_program": "Nama program bansos",
}

# =========================================================================== D1
OVERVIEW_COLUMNS = {
    "program": "Kode program bansos; SEMUA = seluruh program digabung (NIK/orang dihitung sekali)",
    "nama_program": "Nama program bansos (Semua program untuk baris SEMUA)",
    "tingkat": "Tingkat wilayah baris: desa, kecamatan atau kabupaten. Pilih satu tingkat; kolom *_unik "
               "tidak boleh dijumlahkan antar baris",
    "kode_kec": "Kode BPS kecamatan (7 digit); kosong pada tingkat kabupaten atau bila tidak diketahui",
    "kode_bps": "Kode BPS desa (10 digit); kosong pada tingkat kecamatan/kabupaten atau bila tidak diketahui",
    "nama_kecamatan": "Nama kecamatan (Semua kecamatan pada tingkat kabupaten)",
    "nama_desa": "Nama desa/kelurahan (Semua desa pada tingkat kecamatan/kabupaten)",
    "jumlah_kpm": "Jumlah baris KPM pada daftar program (total NIK/record, termasuk ganda)",
    "jumlah_nik_valid": "Jumlah baris KPM dengan NIK berformat valid (16 digit)",
    "jumlah_nik_unik": "Jumlah NIK valid yang berbeda (NIK unik) dalam baris ini",
    "jumlah_nik_berulang": "Selisih NIK valid dan NIK unik: baris yang NIK-nya sudah muncul di baris lain "
                           "(dalam program yang sama, atau lintas program pada baris SEMUA)",
    "jumlah_orang_unik": "Jumlah orang berbeda: NIK valid, bila tidak ada maka individu DTKS tertaut, "
                         "bila tidak ada maka baris itu sendiri",
    "jumlah_ditemukan_dtks_terbaru": "Jumlah baris KPM yang ditemukan (tertaut) di DTKS periode terbaru",
}


@mart("mart_kpm_overview", dashboards=("D1",),
      grain="one row per program (and SEMUA = all programs) per level (desa, kecamatan, kabupaten) per place",
      description="Ringkasan KPM per program dan wilayah: jumlah KPM, NIK valid, NIK unik (juga lintas "
                  "program pada baris SEMUA), orang unik dan yang ditemukan di DTKS terbaru. Setiap tingkat "
                  "(desa/kecamatan/kabupaten) dihitung tersendiri sehingga hitungan unik tepat.",
      columns=OVERVIEW_COLUMNS, kecamatan_column="kode_kec")
def mart_kpm_overview(ctx: GoldContext) -> DataFrame:
    """D1 KPM per program and place, with exact distinct counts at every level.

    Distinct counts do not add up across places or programs, so the mart carries its own
    kecamatan and kabupaten rows (``tingkat``) and ``SEMUA`` rows (all programs: a NIK in PKH and
    BPNT counts once) — one pass with grouping sets.
    """
    df = kpm_records(ctx)
    sets = [("program", "kode_kec", "kode_bps"), ("program", "kode_kec"), ("program",),
            ("kode_kec", "kode_bps"), ("kode_kec",), ()]
    agg = df.groupingSets(sets, "program", "kode_kec", "kode_bps").agg(
        F.count(F.lit(1)).alias("jumlah_kpm"),
        _count_if(F.col("nik_valid")).alias("jumlah_nik_valid"),
        F.countDistinct(F.when(F.col("nik_valid"), F.col("nik"))).alias("jumlah_nik_unik"),
        F.countDistinct("person_key").alias("jumlah_orang_unik"),
        _count_if(F.col("status_dtks") == "ditemukan_terbaru").alias("jumlah_ditemukan_dtks_terbaru"),
        F.grouping("program").alias("_gp"), F.grouping("kode_kec").alias("_gk"), F.grouping("kode_bps").alias("_gd"))
    tingkat = F.when(F.col("_gk") == 1, "kabupaten").when(F.col("_gd") == 1, "kecamatan").otherwise("desa")
    out = (agg.withColumns({
        "program": F.when(F.col("_gp") == 1, F.lit(SEMUA)).otherwise(F.col("program")),
        "tingkat": tingkat,
        "jumlah_nik_berulang": F.col("jumlah_nik_valid") - F.col("jumlah_nik_unik"),
    }).withColumn("nama_program", program_name(ctx, F.col("program")))
        .transform(with_place_names(ctx.ref_wilayah, level=F.col("tingkat"))))
    return out.select(*[F.col(c).cast("long") if c.startswith("jumlah_") else F.col(c) for c in OVERVIEW_COLUMNS])


#: D1 profile dimensions: code -> (Indonesian label, column of kpm_records)
PROFIL_DIMENSI = {
    "jenis_kelamin": ("Jenis kelamin", "d_jenis_kelamin_label"),
    "kelompok_umur": ("Kelompok umur", None),
    "hubungan_krt": ("Hubungan dengan kepala rumah tangga", "d_hub_krt_label"),
    "status_perkawinan": ("Status perkawinan", "d_sta_kawin_label"),
    "pendidikan": ("Ijazah tertinggi", "d_ijazah_tertinggi_label"),
    "status_bekerja": ("Status bekerja", "d_sta_bekerja_label"),
    "pekerjaan": ("Lapangan usaha", "d_lapangan_usaha_label"),
    "disabilitas": ("Jenis disabilitas", "d_jenis_cacat_label"),
    "penyakit_kronis": ("Penyakit kronis", "d_penyakit_kronis_label"),
    "desil": ("Desil kesejahteraan rumah tangga", None),
}

PROFIL_COLUMNS = {
    "program": "Kode program bansos; SEMUA = seluruh program digabung",
    "nama_program": "Nama program bansos",
    **PLACE,
    "dimensi": "Kode dimensi profil: " + ", ".join(PROFIL_DIMENSI),
    "nama_dimensi": "Nama dimensi profil (Bahasa Indonesia)",
    "kategori": "Kategori dalam dimensi (label DTKS periode terbaru; Tidak diketahui bila kosong; "
                "desil: kelompok desil dari settings.yaml)",
    "urutan": "Urutan tampilan kategori (kelompok umur dan desil); 0 untuk dimensi tanpa urutan",
    "jumlah_kpm": "Jumlah baris KPM yang ditemukan di DTKS terbaru dengan kategori ini",
    "jumlah_orang": "Jumlah individu DTKS berbeda (IDARTBDT) dengan kategori ini; pada baris SEMUA "
                    "orang penerima beberapa program dihitung sekali",
}


@mart("mart_kpm_profil", dashboards=("D1",),
      grain="one row per program (and SEMUA) x desa x profile dimension x category, KPM found in the latest DTKS",
      description="Profil sosial-ekonomi KPM yang ditemukan di DTKS periode terbaru (format panjang): "
                  "jenis kelamin, kelompok umur, pendidikan, pekerjaan, status perkawinan, disabilitas, "
                  "penyakit kronis, desil, per program dan desa.",
      columns=PROFIL_COLUMNS, kecamatan_column="kode_kec")
def mart_kpm_profil(ctx: GoldContext) -> DataFrame:
    """D1 socio-economic profile of KPM records linked to the latest DTKS period, long format."""
    df = kpm_records(ctx).where(F.col("status_dtks") == "ditemukan_terbaru")
    umur_label, umur_order = kelompok_umur(F.col("d_umur"))
    band = ctx.desil_band(F.col("desil"), F.col("desil_scheme"))
    items = []
    for code, (label, col) in PROFIL_DIMENSI.items():
        if code == "kelompok_umur":
            cat, order = umur_label, umur_order
        elif code == "desil":
            cat, order = band, band_order(ctx, band, latest_scheme(ctx))
        else:
            cat, order = F.coalesce(F.col(col), F.lit(TIDAK_DIKETAHUI)), F.lit(0)
        items.append(F.struct(F.lit(code).alias("dimensi"), F.lit(label).alias("nama_dimensi"),
                              cat.alias("kategori"), order.cast("int").alias("urutan")))
    long = df.select("program", "kode_kec", "kode_bps", "idartbdt", F.explode(F.array(*items)).alias("_d"))
    long = long.select("program", "kode_kec", "kode_bps", "idartbdt", "_d.*")
    keys = ("kode_kec", "kode_bps", "dimensi", "nama_dimensi", "kategori", "urutan")
    agg = long.groupingSets([("program", *keys), keys], "program", *keys).agg(
        F.count(F.lit(1)).cast("long").alias("jumlah_kpm"),
        F.countDistinct("idartbdt").cast("long").alias("jumlah_orang"),
        F.grouping("program").alias("_gp"))
    out = (agg.withColumn("program", F.when(F.col("_gp") == 1, F.lit(SEMUA)).otherwise(F.col("program")))
           .withColumn("nama_program", program_name(ctx, F.col("program")))
           .transform(with_place_names(ctx.ref_wilayah)))
    return out.select(*PROFIL_COLUMNS)


# =========================================================================== D2
KEPEMILIKAN_COLUMNS = {
    **PROGRAM, **PLACE,
    "jumlah_kpm": "Jumlah baris KPM pada daftar program",
    "ditemukan_dtks_terbaru": "KPM yang ditemukan di DTKS periode terbaru (lewat NIK atau pencocokan probabilistik)",
    "ditemukan_nik_dtks_terbaru": "KPM yang NIK-nya ditemukan di DTKS periode terbaru (cocok NIK dan nama)",
    "ditemukan_probabilistik": "KPM yang ditemukan lewat pencocokan nama, tanggal lahir dan wilayah (probabilistik), "
                               "periode mana pun",
    "ditemukan_riwayat_saja": "KPM yang hanya ditemukan di DTKS periode sebelumnya, tidak di periode terbaru",
    "tidak_ditemukan": "KPM yang tidak ditemukan di DTKS periode mana pun (termasuk NIK milik orang lain)",
    "nik_milik_orang_lain": "KPM yang NIK-nya ada di DTKS tetapi atas nama/tanggal lahir orang lain "
                            "(tidak ditautkan)",
    "kk_valid_di_daftar": "KPM dengan nomor KK berformat valid pada daftar program",
    "kk_diketahui": "KPM yang nomor KK-nya diketahui: valid di daftar program atau di baris DTKS yang tertaut",
    "nik_format_valid": "KPM dengan NIK berformat valid (16 digit, bukan placeholder)",
    "nik_tidak_valid": "KPM dengan NIK kosong atau berformat tidak valid",
    "nik_kosong": "NIK tidak valid karena kosong",
    "nik_angka_excel": "NIK tidak valid karena tersimpan sebagai angka Excel (digit ke-16 tidak dapat dipercaya)",
    "nik_bukan_angka": "NIK tidak valid karena memuat karakter bukan angka",
    "nik_placeholder": "NIK tidak valid karena berisi angka pengisi (nol semua/digit berulang)",
    "nik_terlalu_pendek": "NIK tidak valid karena kurang dari 16 digit",
    "nik_terlalu_panjang": "NIK tidak valid karena lebih dari 16 digit",
    "nik_alasan_lain": "NIK tidak valid karena alasan lain",
    "nik_ganda": "KPM yang NIK-nya juga dipakai orang lain yang jelas berbeda (NIK ganda)",
}


@mart("mart_kepemilikan_nik", dashboards=("D2",),
      grain="one row per program x desa (KPM record counts; additive across places and programs)",
      description="Kepemilikan NIK/KK KPM per program dan desa: ditemukan di DTKS terbaru, hanya di periode "
                  "lama atau tidak ditemukan; KK diketahui; format NIK dan alasan tidak valid; NIK ganda.",
      columns=KEPEMILIKAN_COLUMNS, kecamatan_column="kode_kec")
def mart_kepemilikan_nik(ctx: GoldContext) -> DataFrame:
    """D2 NIK/KK ownership counts per program x desa."""
    df = kpm_records(ctx)
    st = F.col("status_dtks")
    valid_flag = F.coalesce(F.col("nik_format_ok"), F.lit(False))
    known_reasons = list(NIK_REASON_COLUMNS)
    reasons = [_count_if(~valid_flag & (F.col("nik_reason") == r)).alias(c) for r, c in NIK_REASON_COLUMNS.items()]
    other = ~valid_flag & (F.col("nik_reason").isNull() | ~F.col("nik_reason").isin("ok", *known_reasons))
    kk_list = F.coalesce(F.col("no_kk_format_ok"), F.lit(False)) & F.col("no_kk").isNotNull()
    kk_dtks = F.coalesce(F.col("d_no_kk_format_ok"), F.lit(False)) & F.col("d_no_kk").isNotNull()
    agg = df.groupBy("program", "kode_kec", "kode_bps").agg(
        F.count(F.lit(1)).cast("long").alias("jumlah_kpm"),
        _count_if(st == "ditemukan_terbaru").alias("ditemukan_dtks_terbaru"),
        _count_if(F.col("match_method") == "nik_latest").alias("ditemukan_nik_dtks_terbaru"),
        _count_if(F.col("linked") & (F.col("match_method") == "probabilistic")).alias("ditemukan_probabilistik"),
        _count_if(st == "riwayat_saja").alias("ditemukan_riwayat_saja"),
        _count_if(st == "tidak_ditemukan").alias("tidak_ditemukan"),
        _count_if(F.col("match_method") == "nik_name_conflict").alias("nik_milik_orang_lain"),
        _count_if(kk_list).alias("kk_valid_di_daftar"),
        _count_if(kk_list | kk_dtks).alias("kk_diketahui"),
        _count_if(F.col("nik_valid")).alias("nik_format_valid"),
        _count_if(~F.col("nik_valid")).alias("nik_tidak_valid"),
        *reasons,
        _count_if(other).alias("nik_alasan_lain"),
        _count_if(F.col("nik_ganda")).alias("nik_ganda"))
    out = (agg.withColumn("nama_program", program_name(ctx, F.col("program")))
           .transform(with_place_names(ctx.ref_wilayah)))
    return out.select(*KEPEMILIKAN_COLUMNS)


NIK_GANDA_COLUMNS = {
    "nik": "NIK (16 digit) yang dipakai oleh lebih dari satu orang berbeda",
    "nik_mask": "NIK tersamar (10 digit pertama)",
    "nama": "Nama pada daftar KPM",
    "nama_mask": "Nama tersamar (dua huruf pertama tiap kata)",
    "tanggal_lahir": "Tanggal lahir pada daftar KPM",
    "program": "Kode program bansos; DISABILITAS bila baris berasal dari register disabilitas yang berbagi NIK "
               "dengan KPM",
    "nama_program": "Nama program bansos",
    "record_id": "ID baris KPM (program|file|sheet|baris)",
    "sumber_file": "Nama file sumber daftar KPM",
    "sheet": "Nama sheet Excel sumber (kosong untuk CSV)",
    "baris": "Nomor baris pada file sumber",
    **PLACE,
    "jumlah_record_nik": "Jumlah baris (semua program) yang memakai NIK ini",
    "jumlah_record_berbeda": "Jumlah baris lain dengan NIK ini yang jelas orang berbeda",
    "alasan": "Kode alasan: nama_berbeda, tanggal_lahir_berbeda, atau keduanya (digabung +)",
    "alasan_label": "Alasan dalam Bahasa Indonesia",
    "match_method": "Hasil penautan baris ini ke DTKS (nik_latest, nik_history, probabilistic, "
                    "nik_name_conflict, none)",
}


@mart("mart_nik_ganda", dashboards=("D2",), schema="terbatas",
      grain="one row per KPM record whose valid NIK is also carried by a clearly different person",
      description="Rincian NIK ganda: setiap baris KPM yang NIK-nya juga dipakai orang lain yang jelas "
                  "berbeda (nama atau tanggal lahir berbeda). Data terbatas (memuat NIK dan nama).",
      columns=NIK_GANDA_COLUMNS, pii={"nik": "nik_mask", "nama": "nama_mask", "tanggal_lahir": None},
      indexes=("nik", "record_id"), trigram=("nama",), kecamatan_column="kode_kec")
def mart_nik_ganda(ctx: GoldContext) -> DataFrame:
    """D2 NIK ganda detail: silver.nik_ganda with program name, location (as in the other marts)
    and the record's link status; masks computed here."""
    base = kpm_records(ctx).select("record_id", F.col("kode_bps").alias("_bps"), "match_method")
    g = ctx.nik_ganda
    df = (g.join(base, "record_id", "left")
          .withColumn("kode_bps", F.coalesce(F.col("_bps"), F.col("kode_bps")))
          .withColumn("kode_kec", F.substring(F.col("kode_bps"), 1, 7))
          .withColumn("match_method", F.coalesce(F.col("match_method"), F.lit("none"))))
    alasan = F.lit(None).cast("string")
    for code, text in NIK_GANDA_ALASAN.items():
        alasan = F.when(F.col("reason") == code, F.lit(text)).otherwise(alasan)
    out = (df.withColumns({
        "nik_mask": idn.mask_nik(F.col("nik")), "nama_mask": idn.mask_name(F.col("nama")),
        "nama_program": program_name(ctx, F.col("program")),
        "sumber_file": F.col("_source_file"), "sheet": F.col("_sheet"), "baris": F.col("_row_number").cast("int"),
        "jumlah_record_nik": F.col("n_records").cast("long"), "jumlah_record_berbeda": F.col("n_conflicting").cast("long"),
        "alasan": F.col("reason"), "alasan_label": F.coalesce(alasan, F.col("reason")),
    }).transform(with_place_names(ctx.ref_wilayah)))
    return out.select(*NIK_GANDA_COLUMNS)


# =========================================================================== D3
DESIL_COLUMNS = {
    **PROGRAM, **PLACE,
    "periode_dtks": "Periode DTKS terbaru pembanding (YYYY-MM)",
    "desil_scheme": "Skema desil periode terbaru (settings.yaml: dtks4 = desil 1-4, dtsen10 = desil 1-10)",
    "status_dtks": "Status KPM terhadap DTKS: ditemukan_terbaru, riwayat_saja (hanya periode lama), tidak_ditemukan",
    "kategori": "Kategori: kelompok desil (settings.yaml) bila ditemukan di DTKS terbaru; 'Tanpa desil' bila "
                "ditemukan tanpa desil/di luar kelompok; 'Hanya di DTKS periode lama'; 'Tidak ditemukan di DTKS'",
    "urutan": "Urutan tampilan kategori",
    "indikasi_inclusion_error": "Ya bila KPM tidak ada di DTKS terbaru (hanya periode lama atau tidak ditemukan): "
                                "indikasi inclusion error",
    "jumlah_kpm": "Jumlah baris KPM",
}


@mart("mart_desil_kpm", dashboards=("D3",),
      grain="one row per program x desa x desil category (KPM record counts, additive)",
      description="Desil KPM terhadap DTKS terbaru per program dan desa: ditemukan per kelompok desil, "
                  "ditemukan tanpa desil, hanya di DTKS periode lama, tidak ditemukan (indikasi inclusion error).",
      columns=DESIL_COLUMNS, kecamatan_column="kode_kec")
def mart_desil_kpm(ctx: GoldContext) -> DataFrame:
    """D3 desil of KPM vs the latest DTKS: bands of the latest period's scheme from settings.yaml."""
    scheme = latest_scheme(ctx)
    n_bands = len(ctx.desil_bands(scheme))
    df = kpm_records(ctx).withColumn("kategori", kategori_desil(ctx))
    df = df.withColumn("urutan", F.when(F.col("status_dtks") == "riwayat_saja", F.lit(n_bands + 2))
                       .when(F.col("status_dtks") == "tidak_ditemukan", F.lit(n_bands + 3))
                       .otherwise(band_order(ctx, F.col("kategori"), scheme)))
    agg = df.groupBy("program", "kode_kec", "kode_bps", "status_dtks", "kategori", "urutan").agg(
        F.count(F.lit(1)).cast("long").alias("jumlah_kpm"))
    out = (agg.withColumns({
        "nama_program": program_name(ctx, F.col("program")),
        "periode_dtks": F.lit(ctx.latest_period), "desil_scheme": F.lit(scheme),
        "urutan": F.col("urutan").cast("int"),
        "indikasi_inclusion_error": F.col("status_dtks") != "ditemukan_terbaru",
    }).transform(with_place_names(ctx.ref_wilayah)))
    return out.select(*DESIL_COLUMNS)


def kategori_desil(ctx: GoldContext) -> Column:
    """D3 category of a :func:`kpm_records` row (also carried by mart_bnba)."""
    return (F.when(F.col("status_dtks") == "ditemukan_terbaru", ctx.desil_band(F.col("desil"), F.col("desil_scheme")))
            .when(F.col("status_dtks") == "riwayat_saja", F.lit(KATEGORI_RIWAYAT))
            .otherwise(F.lit(KATEGORI_TIDAK)))


# =========================================================================== D4
def multi_program_persons(ctx: GoldContext) -> DataFrame:
    """:func:`build_multi_program_persons`, computed once per context (see :meth:`GoldContext.shared`)."""
    return ctx.shared("marts_kpm.multi_program_persons", lambda: build_multi_program_persons(ctx))


def build_multi_program_persons(ctx: GoldContext) -> DataFrame:
    """One row per person (:func:`with_person_key`): programs (array, settings order), combination,
    DTKS flags, location (of the person's first record in program order with a known place),
    matched rule codes and breach codes from ``conf/program_rules.yaml``."""
    rules = load_program_rules(ctx.conf_dir, ctx.settings)
    df = kpm_records(ctx).withColumn("_po", program_order(ctx, F.col("program")))
    first = F.min(F.struct(F.col("kode_bps").isNull().alias("_nob"), "_po", "record_id", "kode_bps", "kode_kec",
                           "nama", "idartbdt"))
    persons = df.groupBy("person_key").agg(
        F.array_sort(F.collect_set(F.struct("_po", "program"))).alias("_progs"),
        first.alias("_first"),
        F.count(F.lit(1)).cast("long").alias("jumlah_kpm"),
        F.array_join(F.array_sort(F.collect_list("record_id")), ";").alias("record_ids"),
        F.min("jenis_kunci").alias("jenis_kunci"),
        F.max(F.when(F.col("nik_valid"), F.col("nik"))).alias("nik"),
        F.max(F.when(F.col("linked"), F.col("status_dtks") == "ditemukan_terbaru")).alias("_terbaru"),
        F.max(F.col("linked")).alias("_linked"),
        *[F.max(F.col(f"d_{f}")).alias(f) for f in FLAG_COLUMNS])
    programs = F.transform(F.col("_progs"), lambda s: s["program"])
    persons = persons.withColumns({
        "programs": programs,
        "kombinasi_program": F.array_join(programs, "+"),
        "jumlah_program": F.size(programs).cast("long"),
        "kode_bps": F.col("_first.kode_bps"), "kode_kec": F.col("_first.kode_kec"),
        "nama": F.col("_first.nama"), "idartbdt": F.col("_first.idartbdt"),
        "status_dtks": F.when(F.col("_terbaru"), "ditemukan_terbaru").when(F.col("_linked"), "riwayat_saja")
                        .otherwise("tidak_ditemukan"),
    })
    flags = {f: F.col(f) for f in FLAG_COLUMNS}
    matched = F.array(*[F.when(rule_condition(r, F.col("programs"), flags), F.lit(code))
                        for code, r in rules.rules.items()])
    breaches = F.array(*[F.when(rule_condition(r, F.col("programs"), flags), F.lit(code))
                         for code, r in rules.rules.items() if r.breach] or [F.lit(None).cast("string")])
    return (persons.withColumns({"aturan": F.filter(matched, lambda x: x.isNotNull()),
                                 "pelanggaran": F.filter(breaches, lambda x: x.isNotNull())})
            .drop("_progs", "_first", "_terbaru", "_linked"))


MULTI_COLUMNS = {
    **PLACE,
    "kombinasi_program": "Kombinasi program yang diterima seseorang, urut settings.yaml (misalnya PKH+BPNT)",
    "jumlah_program": "Banyaknya program dalam kombinasi",
    "jumlah_orang": "Jumlah orang (NIK valid, atau individu DTKS, atau baris) dengan kombinasi ini",
    "jumlah_kpm": "Jumlah baris KPM orang-orang tersebut (semua program)",
    "jumlah_orang_di_dtks": "Orang yang ditemukan di DTKS (periode mana pun)",
    "jumlah_orang_melanggar": "Orang yang melanggar sedikitnya satu aturan pelanggaran (program_rules.yaml)",
}


@mart("mart_multi_program", dashboards=("D4",),
      grain="one row per desa x program combination (persons; additive: each person has one desa and one combination)",
      description="Penerima multi-program per desa dan kombinasi program: jumlah orang, baris KPM, yang "
                  "ditemukan di DTKS dan yang melanggar aturan (conf/program_rules.yaml).",
      columns=MULTI_COLUMNS, kecamatan_column="kode_kec")
def mart_multi_program(ctx: GoldContext) -> DataFrame:
    """D4 persons per desa x combination of programs."""
    p = multi_program_persons(ctx)
    agg = p.groupBy("kode_kec", "kode_bps", "kombinasi_program", "jumlah_program").agg(
        F.count(F.lit(1)).cast("long").alias("jumlah_orang"),
        F.sum("jumlah_kpm").cast("long").alias("jumlah_kpm"),
        _count_if(F.col("status_dtks") != "tidak_ditemukan").alias("jumlah_orang_di_dtks"),
        _count_if(F.size("pelanggaran") > 0).alias("jumlah_orang_melanggar"))
    return agg.transform(with_place_names(ctx.ref_wilayah)).select(*MULTI_COLUMNS)


ATURAN_COLUMNS = {
    **PLACE,
    "kombinasi_program": "Kombinasi program yang diterima (misalnya PKH+BPNT)",
    "kode_aturan": "Kode aturan (conf/program_rules.yaml)",
    "nama_aturan": "Nama aturan",
    "keterangan_aturan": "Penjelasan aturan",
    "pelanggaran": "Ya bila aturan ini pelanggaran yang harus ditindaklanjuti; Tidak bila hanya indikator",
    "jumlah_orang": "Jumlah orang yang memenuhi aturan ini (orang dapat memenuhi beberapa aturan)",
}


@mart("mart_multi_program_aturan", dashboards=("D4",),
      grain="one row per desa x program combination x rule met (persons meeting the rule)",
      description="Jumlah orang yang memenuhi setiap aturan multi-program (PKH dan Sembako, PKH tanpa Sembako, "
                  "PKH tanpa KIS, dua/tiga program atau lebih, pelanggaran PKH/Sembako dengan KPE) per desa dan "
                  "kombinasi program. Aturan dari conf/program_rules.yaml.",
      columns=ATURAN_COLUMNS, kecamatan_column="kode_kec")
def mart_multi_program_aturan(ctx: GoldContext) -> DataFrame:
    """D4 rule counts: filter one ``kode_aturan`` and sum ``jumlah_orang`` for the dashboard card."""
    rules = load_program_rules(ctx.conf_dir, ctx.settings).rules
    p = multi_program_persons(ctx).select("kode_kec", "kode_bps", "kombinasi_program",
                                          F.explode("aturan").alias("kode_aturan"))
    agg = p.groupBy("kode_kec", "kode_bps", "kombinasi_program", "kode_aturan").agg(
        F.count(F.lit(1)).cast("long").alias("jumlah_orang"))
    label, desc, breach = F.lit(None).cast("string"), F.lit(None).cast("string"), F.lit(None).cast("boolean")
    for code, r in rules.items():
        hit = F.col("kode_aturan") == code
        label, desc, breach = (F.when(hit, F.lit(r.label)).otherwise(label),
                               F.when(hit, F.lit(r.description)).otherwise(desc),
                               F.when(hit, F.lit(r.breach)).otherwise(breach))
    out = agg.withColumns({"nama_aturan": label, "keterangan_aturan": desc, "pelanggaran": breach})
    return out.transform(with_place_names(ctx.ref_wilayah)).select(*ATURAN_COLUMNS)


DETAIL_COLUMNS = {
    "id_orang": "ID orang tersamar (16 karakter pertama SHA-256 kunci orang); stabil antar pembangunan",
    "jenis_kunci": "Dasar pengenal orang: nik, idartbdt (individu DTKS), nik_nama (NIK ganda + nama), record",
    "nik": "NIK valid orang ini (kosong bila tidak ada baris dengan NIK valid)",
    "nik_mask": "NIK tersamar",
    "nama": "Nama pada baris KPM pertama orang ini",
    "nama_mask": "Nama tersamar",
    "idartbdt": "ID individu DTKS yang tertaut pada baris KPM pertama orang ini (kosong bila tidak ditemukan)",
    **PLACE,
    "kombinasi_program": "Kombinasi program yang diterima (urut settings.yaml)",
    "jumlah_program": "Banyaknya program yang diterima",
    "jumlah_kpm": "Jumlah baris KPM orang ini",
    "record_ids": "ID baris KPM orang ini, dipisah titik koma",
    "status_dtks": "ditemukan_terbaru, riwayat_saja (hanya periode lama) atau tidak_ditemukan",
    **{f: f"Flag DTKS {f[4:].upper()} pada baris DTKS tertaut (kosong bila tidak ditemukan)" for f in FLAG_COLUMNS},
    "kode_aturan": "Kode aturan yang dipenuhi, dipisah koma (conf/program_rules.yaml)",
    "ada_pelanggaran": "Ya bila memenuhi sedikitnya satu aturan pelanggaran",
    "kode_pelanggaran": "Kode aturan pelanggaran yang dipenuhi, dipisah koma",
}


@mart("mart_multi_program_detail", dashboards=("D4",), schema="terbatas",
      grain="one row per person with two or more programs or meeting at least one rule",
      description="Rincian orang penerima multi-program atau yang memenuhi aturan program (conf/program_rules.yaml): "
                  "kombinasi program, flag DTKS dan kode aturan/pelanggaran. Data terbatas.",
      columns=DETAIL_COLUMNS, pii={"nik": "nik_mask", "nama": "nama_mask"},
      indexes=("id_orang", "nik", "idartbdt"), trigram=("nama",), kecamatan_column="kode_kec")
def mart_multi_program_detail(ctx: GoldContext) -> DataFrame:
    """D4 person detail with the rule codes each person meets."""
    p = multi_program_persons(ctx).where((F.col("jumlah_program") >= 2) | (F.size("aturan") > 0))
    out = p.withColumns({
        "id_orang": F.substring(F.sha2(F.col("person_key"), 256), 1, 16),
        "nik_mask": idn.mask_nik(F.col("nik")), "nama_mask": idn.mask_name(F.col("nama")),
        "kode_aturan": F.array_join("aturan", ","),
        "ada_pelanggaran": F.size("pelanggaran") > 0,
        "kode_pelanggaran": F.array_join("pelanggaran", ","),
    })
    return out.transform(with_place_names(ctx.ref_wilayah)).select(*DETAIL_COLUMNS)


# =========================================================================== D5
BNBA_COLUMNS = {
    **PROGRAM,
    "record_id": "ID baris KPM (program|file|sheet|baris)",
    "sumber_file": "Nama file sumber daftar KPM",
    "sheet": "Nama sheet Excel sumber (kosong untuk CSV)",
    "baris": "Nomor baris pada file sumber",
    "nik": "NIK (16 digit) bila berformat valid; kosong bila tidak valid",
    "nik_mask": "NIK tersamar (10 digit pertama)",
    "nik_format_ok": "Ya bila NIK berformat valid",
    "alasan_nik": "Alasan status NIK: ok, empty, float_lost_digits, non_digit, placeholder, too_short, too_long",
    "no_kk": "Nomor KK (16 digit) bila berformat valid",
    "no_kk_mask": "Nomor KK tersamar",
    "nama": "Nama pada daftar KPM",
    "nama_mask": "Nama tersamar",
    "alamat": "Alamat pada daftar KPM",
    "tanggal_lahir": "Tanggal lahir pada daftar KPM",
    "jenis_kelamin": "Jenis kelamin pada daftar KPM (1 laki-laki, 2 perempuan)",
    **PLACE,
    "kode_bps_daftar": "Kode desa hasil pencocokan nama wilayah pada daftar KPM",
    "wilayah_match": "Cara pencocokan wilayah daftar KPM (exact, normalized, alias, fuzzy, desa_only, ambiguous, unmatched)",
    "kode_bps_dtks": "Kode desa pada baris DTKS yang tertaut",
    "match_method": "Cara penautan ke DTKS: nik_latest, nik_history, probabilistic, nik_name_conflict, none",
    "match_probability": "Peluang kecocokan penautan (1 untuk NIK)",
    "status_dtks": "ditemukan_terbaru, riwayat_saja (hanya periode lama) atau tidak_ditemukan",
    "status_dtks_label": "Status terhadap DTKS dalam Bahasa Indonesia",
    "nik_ganda": "Ya bila NIK juga dipakai orang lain yang jelas berbeda",
    "idartbdt": "ID individu DTKS yang tertaut",
    "idbdt": "ID rumah tangga DTKS yang tertaut",
    "periode_dtks": "Periode DTKS baris yang tertaut (YYYY-MM)",
    "periode_dtks_label": "Nama periode DTKS yang tertaut",
    "tanggal_lahir_dtks": "Tanggal lahir di DTKS",
    "jenis_kelamin_dtks": "Jenis kelamin di DTKS",
    "umur_dtks": "Umur di DTKS (awal periode tertaut)",
    "disabilitas_dtks": "Jenis disabilitas di DTKS",
    "is_disabilitas": "Ya bila penyandang disabilitas menurut DTKS",
    "penyakit_kronis_dtks": "Penyakit kronis di DTKS",
    "is_penyakit_kronis": "Ya bila memiliki penyakit kronis menurut DTKS",
    "desil": "Desil rumah tangga DTKS yang tertaut (periode tertaut)",
    "desil_scheme": "Skema desil (dtks4, dtsen10)",
    "kelompok_desil": "Kelompok desil dari settings.yaml (Tanpa desil bila kosong)",
    "kategori_desil": "Kategori dasbor desil (D3) terhadap DTKS terbaru",
    "person_key_hash": "ID orang tersamar (sama dengan id_orang pada mart_multi_program_detail)",
}


@mart("mart_bnba", dashboards=("D5",), schema="terbatas",
      grain="one row per KPM record of every program list",
      description="BNBA (by name by address) seluruh KPM: program, sumber, NIK, KK, nama, alamat, diperkaya dari "
                  "DTKS yang tertaut (desa, kecamatan, tanggal lahir, jenis kelamin, disabilitas, penyakit kronis, "
                  "desil, cara penautan). Data terbatas, tidak untuk publik.",
      columns=BNBA_COLUMNS,
      pii={"nik": "nik_mask", "nama": "nama_mask", "no_kk": "no_kk_mask", "alamat": None, "tanggal_lahir": None,
           "tanggal_lahir_dtks": None},
      indexes=("nik", "idartbdt", "idbdt", "record_id", "no_kk"), trigram=("nama",), kecamatan_column="kode_kec")
def mart_bnba(ctx: GoldContext) -> DataFrame:
    """D5 BNBA: every KPM record, enriched from the linked DTKS row."""
    df = kpm_records(ctx)
    out = df.withColumns({
        "nama_program": program_name(ctx, F.col("program")),
        "sumber_file": F.col("_source_file"), "sheet": F.col("_sheet"), "baris": F.col("_row_number").cast("int"),
        "alasan_nik": F.col("nik_reason"),
        "no_kk": F.when(F.coalesce(F.col("no_kk_format_ok"), F.lit(False)), F.col("no_kk")),
        "kode_bps_dtks": F.col("d_kode_bps"),
        "status_dtks_label": _status_label(F.col("status_dtks")),
        "periode_dtks_label": ctx.period_label(F.col("periode_dtks")),
        "tanggal_lahir_dtks": F.col("d_tanggal_lahir"), "jenis_kelamin_dtks": F.col("d_jenis_kelamin_label"),
        "umur_dtks": F.col("d_umur"), "disabilitas_dtks": F.col("d_jenis_cacat_label"),
        "is_disabilitas": F.col("d_is_disabilitas"), "penyakit_kronis_dtks": F.col("d_penyakit_kronis_label"),
        "is_penyakit_kronis": F.col("d_is_penyakit_kronis"),
        "kelompok_desil": F.when(F.col("linked"), ctx.desil_band(F.col("desil"), F.col("desil_scheme"))),
        "kategori_desil": kategori_desil(ctx),
        "person_key_hash": F.substring(F.sha2(F.col("person_key"), 256), 1, 16),
    }).withColumn("no_kk_mask", idn.mask_nik(F.col("no_kk")))
    return out.transform(with_place_names(ctx.ref_wilayah)).select(*BNBA_COLUMNS)


def _status_label(status: Column) -> Column:
    expr = F.lit(None).cast("string")
    for code, text in STATUS_DTKS.items():
        expr = F.when(status == code, F.lit(text)).otherwise(expr)
    return expr
