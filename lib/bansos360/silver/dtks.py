"""Silver DTKS tables from bronze: ``silver.individu`` and ``silver.rumah_tangga``.

Pure transformations: bronze DataFrame (all text, as delivered) + plain values in, typed and
decoded DataFrame out. NIK/KK are normalized and validated but never dropped; codes are decoded
to Indonesian labels from conf/codes.yaml; desil is stored with its scheme.
"""

from __future__ import annotations

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from bansos360.silver import identity as idn

ART_CODED = ["jnskel", "hub_krt", "sta_kawin", "jenis_cacat", "penyakit_kronis", "partisipasi_sekolah",
             "pendidikan_tertinggi", "ijazah_tertinggi", "sta_bekerja", "lapangan_usaha", "status_pekerjaan",
             "sta_keberadaan_art"]
ART_FLAGS = ["ada_kks", "ada_pbi", "ada_kip", "ada_pkh", "ada_bpnt"]
RT_CODED = ["sta_bangunan", "sta_lahan", "lantai", "dinding", "kondisi_dinding", "atap", "kondisi_atap",
            "sumber_airminum", "cara_peroleh_airminum", "sumber_penerangan", "daya", "bb_masak", "fasbab",
            "kloset", "buang_tinja", "sta_keberadaan_rt"]
RT_ASSETS = ["ada_tabung_gas", "ada_lemari_es", "ada_ac", "ada_pemanas", "ada_telepon", "ada_tv", "ada_emas",
             "ada_laptop", "ada_sepeda", "ada_motor", "ada_mobil", "ada_perahu", "ada_motor_tempel",
             "ada_perahu_motor", "ada_kapal", "aset_tak_bergerak", "rumah_lain", "sta_art_usaha"]
RT_COUNTS = ["jumlah_art", "jumlah_keluarga", "jumlah_kamar", "jumlah_sapi", "jumlah_kerbau", "jumlah_kuda",
             "jumlah_babi", "jumlah_kambing"]


def to_int(col: str) -> Column:
    """Text to int: trimmed, ``3.0`` accepted, anything else null (no exception)."""
    return F.expr(f"try_cast(try_cast(trim(`{col}`) AS DOUBLE) AS INT)")


def period_date(period: str) -> Column:
    """First day of a ``YYYY-MM`` period as a date literal."""
    return F.to_date(F.lit(f"{period}-01"))


def with_age(birth_col: str, period: str, umur_col: str = "umur") -> callable:
    """``umur`` as delivered when present, else whole years from the birth date to the period start."""
    def _(df: DataFrame) -> DataFrame:
        computed = F.floor(F.months_between(period_date(period), F.col(birth_col)) / 12).cast("int")
        return df.withColumn("umur", F.coalesce(to_int(umur_col) if umur_col in df.columns else F.lit(None), computed))
    return _


def desil_from(status_col: Column, percentile_col: Column, max_desil: int) -> Column:
    """Desil of a household: ``status_kesejahteraan`` when it is within the scheme, else from the
    percentile (``ceil(percentile / 10)``), kept only when it falls within 1..max_desil."""
    from_pct = F.ceil(percentile_col / F.lit(10.0)).cast("int")
    status_ok = status_col.between(1, max_desil)
    pct_ok = from_pct.between(1, max_desil)
    return F.when(status_ok, status_col).when(percentile_col.isNotNull() & pct_ok, from_pct)


def individu(art: DataFrame, period: str, codes, prov_code: str, kec_prefixes: list[str]) -> DataFrame:
    """``silver.individu`` rows of one period from ``bronze.dtks_art`` rows of that period.

    Grain: one row per IDARTBDT per period (bronze duplicates are kept and counted by the quality
    rule on IDARTBDT uniqueness, never silently dropped).
    """
    from bansos360.silver import codes as cd

    df = (art.where(F.col("_period") == period)
          .withColumn("tanggal_lahir", idn.parse_date(F.col("tgllahir"), F.col("_cell_types").getItem("tgllahir")))
          .withColumn("jenis_kelamin", idn.sex_code(F.col("jnskel")))
          .transform(idn.with_id("nik", "nik"))
          .transform(idn.with_id("nokk", "no_kk"))
          .transform(idn.with_nik_checks("nik", "tanggal_lahir", "jenis_kelamin", prov_code=prov_code,
                                         kec_codes=kec_prefixes))
          .transform(with_age("tanggal_lahir", period))
          .transform(cd.with_decoded([c for c in ART_CODED if c in codes.lists], codes))
          .transform(cd.with_decoded([c for c in ART_FLAGS if c in codes.lists], codes)))
    flags = {c: (F.col(f"{c}_ya") if f"{c}_ya" in df.columns else F.lit(None).cast("boolean")) for c in ART_FLAGS}
    return df.select(
        F.lit(period).alias("periode"),
        F.col("idartbdt"), F.col("idbdt"),
        "nik", "nik_raw", "nik_format_ok", "nik_reason", "nik_wilayah_ok", "nik_lahir_ok",
        "no_kk", "no_kk_raw", "no_kk_format_ok", "no_kk_reason",
        idn.mask_nik(F.col("nik")).alias("nik_mask"),
        F.col("nama"), idn.normalize_name(F.col("nama")).alias("nama_norm"), idn.mask_name(F.col("nama")).alias("nama_mask"),
        "jenis_kelamin", F.col("jnskel_label").alias("jenis_kelamin_label"),
        F.col("tmplahir").alias("tempat_lahir"), "tanggal_lahir", "umur",
        to_int("hub_krt").alias("hub_krt"), F.col("hub_krt_label"), to_int("nuk").alias("nuk"),
        to_int("hubkel").alias("hubkel"),
        to_int("sta_kawin").alias("sta_kawin"), F.col("sta_kawin_label"),
        to_int("jenis_cacat").alias("jenis_cacat"), F.col("jenis_cacat_label"),
        (to_int("jenis_cacat") > 0).alias("is_disabilitas"),
        to_int("penyakit_kronis").alias("penyakit_kronis"), F.col("penyakit_kronis_label"),
        (to_int("penyakit_kronis") > 0).alias("is_penyakit_kronis"),
        F.col("partisipasi_sekolah_label"), F.col("pendidikan_tertinggi_label"), F.col("ijazah_tertinggi_label"),
        F.col("sta_bekerja_label"), F.col("lapangan_usaha_label"), F.col("status_pekerjaan_label"),
        F.col("sta_keberadaan_art_label"),
        *[flags[c].alias(c) for c in ART_FLAGS],
        F.col("kdkec"), F.col("kddesa"),
        F.col("_source_file"), F.col("_row_number"), F.col("_run_id"),
    )


def rumah_tangga(rt: DataFrame, individu_df: DataFrame, period: str, codes, scheme: str, max_desil: int) -> DataFrame:
    """``silver.rumah_tangga`` rows of one period: one row per IDBDT, with desil and its scheme,
    housing and assets decoded, and member counts (elderly > 65, disabled) from ``silver.individu``."""
    from bansos360.silver import codes as cd

    members = (individu_df.where(F.col("periode") == period).groupBy("idbdt").agg(
        F.count(F.lit(1)).alias("n_anggota"),
        F.countDistinct("no_kk").alias("n_kk_anggota"),
        F.sum(F.when(F.col("umur") > 65, 1).otherwise(0)).alias("n_lansia"),
        F.sum(F.when(F.col("is_disabilitas"), 1).otherwise(0)).alias("n_disabilitas"),
        F.sum(F.when(F.col("hub_krt") == 1, 1).otherwise(0)).alias("n_krt"),
        F.max(F.when(F.col("hub_krt") == 1, F.struct("nik", "no_kk", "nama", "nama_mask", "nik_mask"))).alias("krt"),
    ))
    status = to_int("status_kesejahteraan")
    pct = F.expr("try_cast(trim(percentile) AS DOUBLE)")
    df = (rt.where(F.col("_period") == period)
          .transform(cd.with_decoded([c for c in RT_CODED if c in codes.lists], codes))
          .transform(cd.with_decoded([c for c in RT_ASSETS if c in codes.lists], codes)))
    assets = [F.col(f"{c}_ya").alias(c) if f"{c}_ya" in df.columns else F.lit(None).cast("boolean").alias(c)
              for c in RT_ASSETS]
    labels = [F.col(f"{c}_label") if f"{c}_label" in df.columns else F.lit(None).cast("string").alias(f"{c}_label")
              for c in RT_CODED]
    return (df.select(
        F.lit(period).alias("periode"), "idbdt", "kdkec", "kddesa", "alamat", "nama_sls",
        F.col("nama_krt"), idn.mask_name(F.col("nama_krt")).alias("nama_krt_mask"),
        *[to_int(c).alias(c) for c in RT_COUNTS],
        F.expr("try_cast(trim(luas_lantai) AS DOUBLE)").alias("luas_lantai"),
        pct.alias("percentile"), status.alias("status_kesejahteraan"),
        desil_from(status, pct, max_desil).alias("desil"), F.lit(scheme).alias("desil_scheme"),
        *labels, *assets,
        F.col("_source_file"), F.col("_row_number"), F.col("_run_id"))
        .join(members, "idbdt", "left")
        .select("*", F.col("krt.nik").alias("nik_krt"), F.col("krt.no_kk").alias("no_kk_krt"))
        .drop("krt"))
