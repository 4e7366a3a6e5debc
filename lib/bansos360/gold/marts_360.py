"""Gold marts of the 360 views: D9 individual (``mart_360_individu`` + ``mart_360_riwayat``) and D10
household (``mart_360_rumah_tangga`` + ``mart_360_anggota``).

All four are BNBA detail: schema ``terbatas``; their ``pii`` maps every personal column to its mask
(or to None = dropped) for the masked view. A person is a valid NIK held by one IDARTBDT in every
period it appears, else a single IDARTBDT (``ART:<idartbdt>``) — the same rule as
``bansos360.silver.linkage.dtks_persons``, so someone who moved household is one person. Program
history covers every period of ``ctx.periods``; KPM programs come from the KPM records linked to
DTKS (``silver.link_penerima_dtks``, methods nik_latest/nik_history/probabilistic).
"""

from __future__ import annotations

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from bansos360.frames import latest_rows
from bansos360.gold.context import DTKS_FLAGS, GoldContext
from bansos360.gold.marts_dtks import PLACE_COMMENTS, place_cols, require
from bansos360.gold.registry import mart
from bansos360.silver import identity as idn
from bansos360.silver.dtks import RT_ASSETS, RT_CODED, RT_COUNTS
from bansos360.silver.linkage import LINKED_METHODS, shared_niks, with_person_key

_DESA = ["kode_bps", "nama_kecamatan", "nama_desa"]
_FLAG_COMMENTS = {f: f"Penanda {lbl} pada DTKS periode tersebut" for f, lbl in DTKS_FLAGS.items()}


# =========================================================================== helpers
def person_rows(ctx: GoldContext) -> DataFrame:
    """``silver.individu`` rows of the context periods with ``person_key``."""
    require(ctx, "individu")
    ind = ctx.individu.where(F.col("periode").isin(ctx.periods))
    return with_person_key(ind, ctx.shared("marts_360.shared_niks", lambda: shared_niks(ind)))


def flags_text() -> Column:
    """DTKS program flags of a row as text (``KKS, PKH``); ``-`` when none."""
    txt = F.concat_ws(", ", *[F.when(F.col(f), F.lit(lbl)) for f, lbl in DTKS_FLAGS.items()])
    return F.when(txt != "", txt).otherwise(F.lit("-"))


def linked_kpm(ctx: GoldContext) -> DataFrame:
    """KPM records linked to a DTKS individual (``silver.link_penerima_dtks``)."""
    require(ctx, "link_penerima")
    return ctx.link_penerima.where(F.col("idartbdt").isNotNull() & F.col("match_method").isin(*LINKED_METHODS))


def kpm_programs(links: DataFrame, by: list[str]) -> DataFrame:
    """KPM programs of linked records grouped by ``by``: ``program_kpm`` (sorted, comma separated),
    ``jumlah_program_kpm`` and ``jumlah_record_kpm``."""
    return links.groupBy(*by).agg(F.array_join(F.array_sort(F.collect_set("program")), ", ").alias("program_kpm"),
                                  F.countDistinct("program").cast("long").alias("jumlah_program_kpm"),
                                  F.count(F.lit(1)).cast("long").alias("jumlah_record_kpm"))


def _no_kpm(df: DataFrame) -> DataFrame:
    return df.fillna({"jumlah_program_kpm": 0, "jumlah_record_kpm": 0})


# =========================================================================== D9 individual
_PERSON_COMMENTS = {
    "person_key": "Kunci orang: NIK valid (dipegang satu IDARTBDT per periode), selain itu ART:<IDARTBDT>",
    "nik": "NIK (16 digit valid, selain itu kosong)",
    "nik_mask": "NIK disamarkan",
    "no_kk": "Nomor KK (16 digit valid, selain itu kosong)",
    "no_kk_mask": "Nomor KK disamarkan",
    "idartbdt": "ID individu DTKS (IDARTBDT) pada periode terakhir",
    "idbdt": "ID rumah tangga DTKS (IDBDT) pada periode terakhir",
    "nama": "Nama", "nama_mask": "Nama disamarkan",
    "jenis_kelamin_label": "Jenis kelamin",
    "tempat_lahir": "Tempat lahir", "tanggal_lahir": "Tanggal lahir",
    "umur": "Umur (tahun) menurut DTKS periode terakhir",
    "hub_krt_label": "Hubungan dengan kepala rumah tangga",
    "sta_kawin_label": "Status perkawinan",
}


@mart("mart_360_individu", dashboards=("D9",), schema="terbatas",
      grain="one row per person (valid NIK, else IDARTBDT): the person's latest DTKS row",
      description="Profil 360 individu DTKS: identitas, pendidikan, pekerjaan, penyakit/disabilitas, kepala "
                  "rumah tangga, riwayat program di seluruh periode DTKS dan program KPM (data terbatas).",
      columns={**_PERSON_COMMENTS,
               "nama_krt": "Nama kepala rumah tangga (periode terakhir)",
               "nama_krt_mask": "Nama kepala rumah tangga disamarkan",
               "alamat": "Alamat rumah tangga (periode terakhir)",
               "partisipasi_sekolah_label": "Partisipasi sekolah",
               "pendidikan_tertinggi_label": "Jenjang pendidikan tertinggi",
               "ijazah_tertinggi_label": "Ijazah tertinggi",
               "sta_bekerja_label": "Status bekerja",
               "lapangan_usaha_label": "Lapangan usaha",
               "status_pekerjaan_label": "Status kedudukan dalam pekerjaan",
               "jenis_cacat_label": "Jenis disabilitas menurut DTKS",
               "is_disabilitas": "Benar bila penyandang disabilitas menurut DTKS",
               "penyakit_kronis_label": "Penyakit kronis/menahun",
               "is_penyakit_kronis": "Benar bila memiliki penyakit kronis",
               "desil": "Desil rumah tangga pada periode terakhir",
               "desil_band": "Kelompok desil rumah tangga pada periode terakhir",
               "periode_terakhir": "Periode DTKS terakhir orang ini terdaftar (YYYY-MM)",
               "periode_terakhir_label": "Nama periode terakhir terdaftar",
               "di_dtks_terbaru": "Benar bila terdaftar pada periode DTKS terbaru",
               "periode_pertama": "Periode DTKS pertama orang ini terdaftar",
               "jumlah_periode_dtks": "Jumlah periode DTKS orang ini terdaftar",
               "periode_terdaftar": "Daftar periode terdaftar (YYYY-MM, dipisah koma)",
               "riwayat_program_dtks": "Riwayat penanda program per periode (mis. 'Mei 2018: KKS, PKH | Juli 2019: -')",
               **{f"pernah_{f[4:]}": f"Benar bila pernah berpenanda {lbl} di periode mana pun"
                  for f, lbl in DTKS_FLAGS.items()},
               **{f: f"Penanda {lbl} pada periode terakhir" for f, lbl in DTKS_FLAGS.items()},
               "program_kpm": "Program bansos (daftar KPM) yang tertaut ke orang ini, dipisah koma",
               "jumlah_program_kpm": "Jumlah program KPM yang tertaut",
               "jumlah_record_kpm": "Jumlah baris KPM yang tertaut",
               **PLACE_COMMENTS},
      pii={"person_key": None, "nik": "nik_mask", "no_kk": "no_kk_mask", "nama": "nama_mask",
           "nama_krt": "nama_krt_mask", "tempat_lahir": None, "tanggal_lahir": None, "alamat": None},
      indexes=("person_key", "nik", "idartbdt", "no_kk", "idbdt"), trigram=("nama",), kecamatan_column="kode_kec")
def mart_360_individu(ctx: GoldContext) -> DataFrame:
    require(ctx, "rumah_tangga")
    rows = person_rows(ctx)
    hist_item = F.struct("periode", F.concat(ctx.period_label(F.col("periode")), F.lit(": "), flags_text()).alias("t"))
    hist = rows.groupBy("person_key").agg(
        F.min("periode").alias("periode_pertama"),
        F.countDistinct("periode").cast("long").alias("jumlah_periode_dtks"),
        F.array_join(F.array_sort(F.collect_set("periode")), ", ").alias("periode_terdaftar"),
        F.array_join(F.transform(F.array_sort(F.collect_list(hist_item)), lambda s: s["t"]), " | ")
        .alias("riwayat_program_dtks"),
        *[F.coalesce(F.max(F.col(f)), F.lit(False)).alias(f"pernah_{f[4:]}") for f in DTKS_FLAGS])
    last = latest_rows(rows, "person_key", tiebreak=("idartbdt", "_row_number"))
    rt = ctx.rumah_tangga.select("periode", "idbdt", "nama_krt", "nama_krt_mask", "alamat", "desil", "desil_scheme")
    art_person = rows.select("idartbdt", "periode", "person_key")
    kpm = kpm_programs(linked_kpm(ctx).join(art_person, ["idartbdt", "periode"]), ["person_key"])
    j = (last.join(rt, ["periode", "idbdt"], "left").join(hist, "person_key", "left")
         .join(kpm, "person_key", "left").transform(_no_kpm))
    return j.select(
        "person_key", "nik", "nik_mask", "no_kk", idn.mask_nik(F.col("no_kk")).alias("no_kk_mask"), "idartbdt", "idbdt",
        "nama", "nama_mask", "jenis_kelamin_label", "tempat_lahir", "tanggal_lahir", "umur", "hub_krt_label",
        "sta_kawin_label", "nama_krt", "nama_krt_mask", "alamat", "partisipasi_sekolah_label",
        "pendidikan_tertinggi_label", "ijazah_tertinggi_label", "sta_bekerja_label", "lapangan_usaha_label",
        "status_pekerjaan_label", "jenis_cacat_label", "is_disabilitas", "penyakit_kronis_label", "is_penyakit_kronis",
        "desil", ctx.desil_band(F.col("desil"), F.col("desil_scheme")).alias("desil_band"),
        F.col("periode").alias("periode_terakhir"), ctx.period_label(F.col("periode")).alias("periode_terakhir_label"),
        (F.col("periode") == F.lit(ctx.latest_period)).alias("di_dtks_terbaru"),
        "periode_pertama", "jumlah_periode_dtks", "periode_terdaftar", "riwayat_program_dtks",
        *[f"pernah_{f[4:]}" for f in DTKS_FLAGS], *DTKS_FLAGS,
        "program_kpm", "jumlah_program_kpm", "jumlah_record_kpm", *place_cols())


@mart("mart_360_riwayat", dashboards=("D9",), schema="terbatas",
      grain="one row per person x DTKS period in which the person appears",
      description="Riwayat individu per periode DTKS: rumah tangga, hubungan, desil dan penanda program "
                  "(KKS, KIS/PBI, KIP, PKH, BPNT), untuk tabel riwayat di profil 360 individu.",
      columns={"person_key": _PERSON_COMMENTS["person_key"],
               "nik": _PERSON_COMMENTS["nik"], "nik_mask": _PERSON_COMMENTS["nik_mask"],
               "idartbdt": "ID individu DTKS (IDARTBDT) pada periode tersebut",
               "idbdt": "ID rumah tangga DTKS (IDBDT) pada periode tersebut",
               "periode": "Periode penetapan DTKS (YYYY-MM)",
               "periode_label": "Nama periode",
               "urutan_periode": "Urutan periode (1 = terlama)",
               "hub_krt_label": "Hubungan dengan kepala rumah tangga pada periode tersebut",
               "desil": "Desil rumah tangga pada periode tersebut",
               "desil_band": "Kelompok desil pada periode tersebut",
               **_FLAG_COMMENTS,
               "program_dtks": "Penanda program pada periode tersebut sebagai teks ('-' bila tidak ada)",
               **PLACE_COMMENTS},
      pii={"person_key": None, "nik": "nik_mask"},
      indexes=("person_key", "nik", "idartbdt"), kecamatan_column="kode_kec")
def mart_360_riwayat(ctx: GoldContext) -> DataFrame:
    require(ctx, "rumah_tangga")
    rows = person_rows(ctx)
    rt = ctx.rumah_tangga.select("periode", "idbdt", "desil", "desil_scheme")
    order = F.create_map(*[x for i, p in enumerate(ctx.periods) for x in (F.lit(p), F.lit(i + 1))])
    return rows.join(rt, ["periode", "idbdt"], "left").select(
        "person_key", "nik", "nik_mask", "idartbdt", "idbdt", "periode",
        ctx.period_label(F.col("periode")).alias("periode_label"), order[F.col("periode")].alias("urutan_periode"),
        "hub_krt_label", "desil", ctx.desil_band(F.col("desil"), F.col("desil_scheme")).alias("desil_band"),
        *DTKS_FLAGS, flags_text().alias("program_dtks"), *place_cols())


# =========================================================================== D10 household
_HOUSING_LABELS = {
    "sta_bangunan": "Status penguasaan bangunan tempat tinggal",
    "sta_lahan": "Status lahan tempat tinggal",
    "lantai": "Jenis lantai terluas",
    "dinding": "Jenis dinding terluas",
    "kondisi_dinding": "Kondisi dinding",
    "atap": "Jenis atap terluas",
    "kondisi_atap": "Kondisi atap",
    "sumber_airminum": "Sumber air minum",
    "cara_peroleh_airminum": "Cara memperoleh air minum",
    "sumber_penerangan": "Sumber penerangan utama",
    "daya": "Daya listrik terpasang",
    "bb_masak": "Bahan bakar utama untuk memasak",
    "fasbab": "Penggunaan fasilitas buang air besar",
    "kloset": "Jenis kloset",
    "buang_tinja": "Tempat pembuangan akhir tinja",
    "sta_keberadaan_rt": "Status keberadaan rumah tangga",
}
_ASSET_LABELS = {
    "ada_tabung_gas": "tabung gas 5,5 kg atau lebih", "ada_lemari_es": "lemari es/kulkas", "ada_ac": "AC",
    "ada_pemanas": "pemanas air (water heater)", "ada_telepon": "telepon rumah (PSTN)", "ada_tv": "televisi",
    "ada_emas": "emas/perhiasan/tabungan (senilai 10 gram emas)", "ada_laptop": "komputer/laptop",
    "ada_sepeda": "sepeda", "ada_motor": "sepeda motor", "ada_mobil": "mobil", "ada_perahu": "perahu",
    "ada_motor_tempel": "motor tempel", "ada_perahu_motor": "perahu motor", "ada_kapal": "kapal",
    "aset_tak_bergerak": "aset tidak bergerak (lahan/bangunan lain)", "rumah_lain": "rumah di tempat lain",
    "sta_art_usaha": "anggota rumah tangga yang memiliki usaha",
}
_COUNT_LABELS = {
    "jumlah_kamar": "Jumlah kamar tidur", "jumlah_sapi": "Jumlah sapi", "jumlah_kerbau": "Jumlah kerbau",
    "jumlah_kuda": "Jumlah kuda", "jumlah_babi": "Jumlah babi", "jumlah_kambing": "Jumlah kambing/domba",
}
# RT file counts renamed in the mart so they are not confused with the counts from members
_COUNT_RENAMES = {"jumlah_art": "jumlah_art_tercatat", "jumlah_keluarga": "jumlah_keluarga_tercatat"}
_HOUSING_COLUMNS = {
    "luas_lantai": "Luas lantai (m2)",
    **{f"{c}_label": _HOUSING_LABELS.get(c, c) for c in RT_CODED},
    **{c: f"Memiliki {_ASSET_LABELS.get(c, c)}" for c in RT_ASSETS},
    **{_COUNT_RENAMES.get(c, c): _COUNT_LABELS.get(c, c) for c in RT_COUNTS if c not in _COUNT_RENAMES},
    "jumlah_art_tercatat": "Jumlah anggota rumah tangga menurut file RT",
    "jumlah_keluarga_tercatat": "Jumlah keluarga menurut file RT",
}


def _latest_households(ctx: GoldContext) -> DataFrame:
    require(ctx, "rumah_tangga")
    rt = ctx.rumah_tangga.where(F.col("periode").isin(ctx.periods) & F.col("idbdt").isNotNull())
    hist = rt.groupBy("idbdt").agg(F.countDistinct("periode").cast("long").alias("jumlah_periode_dtks"),
                                   F.array_join(F.array_sort(F.collect_set("periode")), ", ").alias("periode_terdaftar"))
    return latest_rows(rt, "idbdt").join(hist, "idbdt")


@mart("mart_360_rumah_tangga", dashboards=("D10",), schema="terbatas",
      grain="one row per household (IDBDT): its latest DTKS row",
      description="Profil 360 rumah tangga DTKS: kepala rumah tangga, jumlah keluarga dan anggota, desil, "
                  "program (penanda DTKS anggota dan KPM tertaut), anggota disabilitas dan lansia, kondisi "
                  "rumah dan aset (data terbatas).",
      columns={"idbdt": "ID rumah tangga DTKS (IDBDT)",
               "periode_terakhir": "Periode DTKS terakhir rumah tangga terdaftar (YYYY-MM)",
               "periode_terakhir_label": "Nama periode terakhir terdaftar",
               "di_dtks_terbaru": "Benar bila terdaftar pada periode DTKS terbaru",
               "jumlah_periode_dtks": "Jumlah periode DTKS rumah tangga terdaftar",
               "periode_terdaftar": "Daftar periode terdaftar (YYYY-MM, dipisah koma)",
               "nik_krt": "NIK kepala rumah tangga", "nik_krt_mask": "NIK kepala rumah tangga disamarkan",
               "no_kk_krt": "No. KK kepala rumah tangga", "no_kk_krt_mask": "No. KK kepala rumah tangga disamarkan",
               "nama_krt": "Nama kepala rumah tangga", "nama_krt_mask": "Nama kepala rumah tangga disamarkan",
               "alamat": "Alamat", "nama_sls": "Nama SLS (RT/RW/dusun)",
               "jumlah_keluarga": "Jumlah keluarga (No. KK berbeda di antara anggota)",
               "jumlah_anggota": "Jumlah anggota rumah tangga (individu DTKS)",
               "jumlah_lansia": "Jumlah anggota lanjut usia (> 65 tahun)",
               "jumlah_disabilitas": "Jumlah anggota penyandang disabilitas",
               "jumlah_penyakit_kronis": "Jumlah anggota dengan penyakit kronis",
               "desil": "Desil rumah tangga", "desil_scheme": "Skema desil (dtks4 / dtsen10)",
               "desil_band": "Kelompok desil",
               **{f"jumlah_anggota_{f[4:]}": f"Jumlah anggota berpenanda {lbl}" for f, lbl in DTKS_FLAGS.items()},
               "program_dtks": "Penanda program yang dimiliki minimal satu anggota (teks, '-' bila tidak ada)",
               "program_kpm": "Program bansos (daftar KPM) yang tertaut ke anggota rumah tangga, dipisah koma",
               "jumlah_program_kpm": "Jumlah program KPM yang tertaut",
               "jumlah_anggota_kpm": "Jumlah anggota yang tertaut ke daftar KPM",
               **_HOUSING_COLUMNS,
               **PLACE_COMMENTS},
      pii={"nik_krt": "nik_krt_mask", "no_kk_krt": "no_kk_krt_mask", "nama_krt": "nama_krt_mask", "alamat": None},
      indexes=("idbdt", "nik_krt", "no_kk_krt"), trigram=("nama_krt",), kecamatan_column="kode_kec")
def mart_360_rumah_tangga(ctx: GoldContext) -> DataFrame:
    require(ctx, "individu")
    hh = _latest_households(ctx)
    members = (ctx.individu.groupBy("periode", "idbdt").agg(
        F.count(F.when(F.col("is_penyakit_kronis"), 1)).cast("long").alias("jumlah_penyakit_kronis"),
        *[F.count(F.when(F.col(f), 1)).cast("long").alias(f"jumlah_anggota_{f[4:]}") for f in DTKS_FLAGS]))
    any_flag = F.concat_ws(", ", *[F.when(F.col(f"jumlah_anggota_{f[4:]}") > 0, F.lit(lbl)) for f, lbl in DTKS_FLAGS.items()])
    kpm = linked_kpm(ctx).where(F.col("idbdt").isNotNull()).groupBy("idbdt").agg(F.array_join(F.array_sort(F.collect_set("program")), ", ").alias("program_kpm"),
                                  F.countDistinct("program").cast("long").alias("jumlah_program_kpm"),
                                  F.countDistinct("idartbdt").cast("long").alias("jumlah_anggota_kpm"))
    j = (hh.join(members, ["periode", "idbdt"], "left").join(kpm, "idbdt", "left")
         .fillna({"jumlah_program_kpm": 0, "jumlah_anggota_kpm": 0, "jumlah_penyakit_kronis": 0,
                  **{f"jumlah_anggota_{f[4:]}": 0 for f in DTKS_FLAGS}}))
    housing = ([F.col("luas_lantai")] + [F.col(f"{c}_label") for c in RT_CODED] + [F.col(c) for c in RT_ASSETS]
               + [F.col(c).alias(_COUNT_RENAMES.get(c, c)) for c in RT_COUNTS if c not in _COUNT_RENAMES]
               + [F.col(c).alias(n) for c, n in _COUNT_RENAMES.items()])
    return j.select(
        "idbdt", F.col("periode").alias("periode_terakhir"),
        ctx.period_label(F.col("periode")).alias("periode_terakhir_label"),
        (F.col("periode") == F.lit(ctx.latest_period)).alias("di_dtks_terbaru"), "jumlah_periode_dtks",
        "periode_terdaftar", "nik_krt", idn.mask_nik(F.col("nik_krt")).alias("nik_krt_mask"), "no_kk_krt",
        idn.mask_nik(F.col("no_kk_krt")).alias("no_kk_krt_mask"), "nama_krt", "nama_krt_mask", "alamat", "nama_sls",
        F.coalesce(F.col("n_kk_anggota"), F.lit(0)).cast("long").alias("jumlah_keluarga"),
        F.coalesce(F.col("n_anggota"), F.lit(0)).cast("long").alias("jumlah_anggota"),
        F.coalesce(F.col("n_lansia"), F.lit(0)).cast("long").alias("jumlah_lansia"),
        F.coalesce(F.col("n_disabilitas"), F.lit(0)).cast("long").alias("jumlah_disabilitas"),
        "jumlah_penyakit_kronis", "desil", "desil_scheme",
        ctx.desil_band(F.col("desil"), F.col("desil_scheme")).alias("desil_band"),
        *[f"jumlah_anggota_{f[4:]}" for f in DTKS_FLAGS],
        F.when(any_flag != "", any_flag).otherwise(F.lit("-")).alias("program_dtks"),
        "program_kpm", "jumlah_program_kpm", "jumlah_anggota_kpm", *housing, *place_cols())


@mart("mart_360_anggota", dashboards=("D10",), schema="terbatas",
      grain="one row per member (IDARTBDT) of each household's latest DTKS period",
      description="Anggota rumah tangga pada periode DTKS terakhir rumah tangga, dengan penanda program DTKS "
                  "dan program KPM tertaut (data terbatas).",
      columns={"idbdt": "ID rumah tangga DTKS (IDBDT)",
               "periode": "Periode DTKS terakhir rumah tangga (YYYY-MM)",
               "idartbdt": "ID individu DTKS (IDARTBDT)",
               "nik": _PERSON_COMMENTS["nik"], "nik_mask": _PERSON_COMMENTS["nik_mask"],
               "no_kk": _PERSON_COMMENTS["no_kk"], "no_kk_mask": _PERSON_COMMENTS["no_kk_mask"],
               "nama": "Nama", "nama_mask": "Nama disamarkan",
               "hub_krt_label": "Hubungan dengan kepala rumah tangga",
               "jenis_kelamin_label": "Jenis kelamin",
               "umur": "Umur (tahun)",
               "sta_kawin_label": "Status perkawinan",
               "pendidikan_tertinggi_label": "Jenjang pendidikan tertinggi",
               "sta_bekerja_label": "Status bekerja",
               "is_disabilitas": "Benar bila penyandang disabilitas",
               "jenis_cacat_label": "Jenis disabilitas",
               "is_penyakit_kronis": "Benar bila memiliki penyakit kronis",
               "penyakit_kronis_label": "Penyakit kronis/menahun",
               "is_lansia": "Benar bila berumur lebih dari 65 tahun",
               **{f: f"Penanda {lbl}" for f, lbl in DTKS_FLAGS.items()},
               "program_dtks": "Penanda program sebagai teks ('-' bila tidak ada)",
               "program_kpm": "Program bansos (daftar KPM) yang tertaut ke anggota ini, dipisah koma",
               "jumlah_program_kpm": "Jumlah program KPM yang tertaut",
               "kode_kec": PLACE_COMMENTS["kode_kec"]},
      pii={"nik": "nik_mask", "no_kk": "no_kk_mask", "nama": "nama_mask"},
      indexes=("idbdt", "nik", "idartbdt"), kecamatan_column="kode_kec")
def mart_360_anggota(ctx: GoldContext) -> DataFrame:
    require(ctx, "individu")
    hh = _latest_households(ctx).select("idbdt", "periode")
    kpm = kpm_programs(linked_kpm(ctx), ["idartbdt"]).drop("jumlah_record_kpm")
    j = (ctx.individu.join(hh, ["idbdt", "periode"]).join(kpm, "idartbdt", "left")
         .fillna({"jumlah_program_kpm": 0}))
    return j.select(
        "idbdt", "periode", "idartbdt", "nik", "nik_mask", "no_kk", idn.mask_nik(F.col("no_kk")).alias("no_kk_mask"),
        "nama", "nama_mask", "hub_krt_label", "jenis_kelamin_label", "umur", "sta_kawin_label",
        "pendidikan_tertinggi_label", "sta_bekerja_label", "is_disabilitas", "jenis_cacat_label", "is_penyakit_kronis",
        "penyakit_kronis_label", (F.col("umur") > 65).alias("is_lansia"), *DTKS_FLAGS, flags_text().alias("program_dtks"),
        "program_kpm", "jumlah_program_kpm", F.substring(F.col("kode_bps"), 1, 7).alias("kode_kec"))
