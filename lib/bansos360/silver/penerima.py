"""Silver tables of the non-DTKS sources: ``silver.penerima_bansos``, ``silver.disabilitas``, ``silver.usulan``.

All three share one shape of cleaning (``with_person_fields``): NIK and KK normalized and flagged
(never dropped), birth date parsed whatever its form, sex coded 1/2, names normalized and masked,
kecamatan/desa names matched to reference codes with a match status. Program-, register- and
proposal-specific columns are kept beside them. Grain: one row per bronze data row.
"""

from __future__ import annotations

from collections.abc import Callable

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from bansos360.silver import identity as idn
from bansos360.silver import wilayah


def record_id() -> Column:
    """Stable id of a bronze row: batch, file, sheet and row number (unique within a bronze table)."""
    return F.concat_ws("|", F.coalesce(F.col("_program"), F.col("_period")), F.col("_source_file"),
                       F.coalesce(F.col("_sheet"), F.lit("")), F.col("_row_number").cast("string"))


def _opt(df: DataFrame, col: str) -> Column:
    return F.col(col) if col in df.columns else F.lit(None).cast("string")


def with_person_fields(prov_code: str, kec_prefixes: list[str], aliases,
                       sex_cols: tuple[str, ...] = ("jenis_kelamin",)) -> Callable[[DataFrame], DataFrame]:
    """Identity, birth date, sex, names, masks and wilayah for person rows of program-style files."""
    def _(df: DataFrame) -> DataFrame:
        sex = F.coalesce(*[idn.sex_code(F.col(c)) for c in sex_cols if c in df.columns], F.lit(None).cast("string"))
        return (df
                .withColumn("record_id", record_id())
                .withColumn("tanggal_lahir_raw", F.col("tanggal_lahir"))
                .withColumn("tanggal_lahir", idn.parse_date(F.col("tanggal_lahir"),
                                                            F.col("_cell_types").getItem("tanggal_lahir")))
                .withColumn("jenis_kelamin_raw", F.col("jenis_kelamin"))
                .withColumn("jenis_kelamin", sex)
                .transform(idn.with_id("nik", "nik"))
                .transform(idn.with_id("no_kk", "no_kk"))
                .transform(idn.with_nik_checks("nik", "tanggal_lahir", "jenis_kelamin", prov_code=prov_code,
                                               kec_codes=kec_prefixes))
                .withColumn("nama_norm", idn.normalize_name(F.col("nama")))
                .withColumn("name_key", idn.key_of_normalized(F.col("nama_norm")))
                .withColumn("nama_mask", idn.mask_name(F.col("nama")))
                .withColumn("nik_mask", idn.mask_nik(F.col("nik")))
                .transform(wilayah.with_wilayah_from_names("nama_kec", "nama_desa", aliases)))
    return _


PERSON_COLUMNS = ["record_id", "nik", "nik_raw", "nik_format_ok", "nik_reason", "nik_wilayah_ok", "nik_lahir_ok",
                  "nik_mask", "no_kk", "no_kk_raw", "no_kk_format_ok", "no_kk_reason", "nama", "nama_norm",
                  "name_key", "nama_mask", "jenis_kelamin", "jenis_kelamin_raw", "tanggal_lahir", "tanggal_lahir_raw",
                  "alamat", "nama_kec", "nama_desa_raw", "kode_bps", "kode_kemendagri", "nama_kecamatan", "nama_desa",
                  "wilayah_match"]
LINEAGE = ["_source", "_source_file", "_source_sha256", "_sheet", "_row_number", "_run_id"]


def penerima_bansos(kpm: DataFrame, prov_code: str, kec_prefixes: list[str], aliases) -> DataFrame:
    """``silver.penerima_bansos``: one row per KPM row of every program list (program = ``_program``)."""
    df = kpm.transform(with_person_fields(prov_code, kec_prefixes, aliases,
                                          sex_cols=("jenis_kelamin_kode", "jenis_kelamin")))
    extra = ["no_peserta", "no_kartu", "nama_pengurus", "no_art", "hub_krt", "rt", "rw", "idbdt", "idartbdt",
             "id_keluarga", "komponen", "tahap", "status", "keterangan"]
    return df.select(F.col("_program").alias("program"), *PERSON_COLUMNS,
                     *[_opt(df, c).alias(c) for c in extra],
                     F.expr("try_cast(regexp_replace(trim(nominal), '[^0-9]', '') AS BIGINT)").alias("nominal"),
                     *LINEAGE)


def disabilitas(dis: DataFrame, prov_code: str, kec_prefixes: list[str], aliases, codes) -> DataFrame:
    """``silver.disabilitas``: one row per person of the disability register, type decoded when coded."""
    from bansos360.silver import codes as cd

    df = dis.transform(with_person_fields(prov_code, kec_prefixes, aliases))
    cacat = codes["jenis_cacat"]
    code = cd.canonical_code(F.col("kode_jenis_cacat"), cacat)
    label_from_text = cd.decode(F.col("jenis_disabilitas"), cacat)
    return df.select(F.col("_period").alias("periode"), *PERSON_COLUMNS, F.col("tempat_lahir"),
                     F.col("kode_jenis_cacat"), F.col("jenis_disabilitas").alias("jenis_disabilitas_raw"),
                     F.coalesce(cd.decode(F.col("kode_jenis_cacat"), cacat), label_from_text,
                                F.col("jenis_disabilitas")).alias("jenis_disabilitas"),
                     code.alias("jenis_cacat"), F.col("keterangan"), *LINEAGE)


def usulan(us: DataFrame, prov_code: str, kec_prefixes: list[str], aliases) -> DataFrame:
    """``silver.usulan``: one row per proposed person for a penetapan period (``periode``)."""
    df = us.transform(with_person_fields(prov_code, kec_prefixes, aliases))
    return df.select(F.col("_period").alias("periode"), *PERSON_COLUMNS, F.col("idbdt"), F.col("hub_krt"),
                     F.upper(F.trim(F.col("jenis_usulan"))).alias("jenis_usulan"), F.col("keterangan"), *LINEAGE)
