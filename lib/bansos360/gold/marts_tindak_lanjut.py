"""Action worklist ``gold.mart_tindak_lanjut``: one row per person (or record) and reason that needs
follow-up, with the evidence, per desa — each desa's list for the next registry update round.

Reasons (``conf/tindak_lanjut.yaml``: label, action, priority; each can be switched off):

* ``kpm_tidak_di_dtks`` — a KPM person none of whose records links to any DTKS individual
  (candidate for *sanggah*/review: the inclusion-error indicator of D3, per person);
* ``kpm_hanya_dtks_lama`` — linked only to an older DTKS period (left the latest DTKS);
* ``kpm_di_luar_desil_layak`` — in the latest DTKS but outside the eligible desil bands (or no desil);
* ``kpm_nik_milik_orang_lain`` — the KPM's NIK is held in DTKS by a clearly different person;
* ``nik_ganda`` — one NIK carried by clearly different persons across the lists (per record);
* ``aturan_program`` — the person meets one of the configured program rules (PKH without Sembako,
  PKH without KIS, PKH/Sembako with KPE, …: ``conf/program_rules.yaml``);
* ``disabilitas_tidak_di_dtks`` — a person of the disability register not in the latest DTKS;
* ``disabilitas_miskin_tanpa_bansos`` — a disabled person (DTKS disability code or the register)
  in a household of the poor desil bands, receiving no KPM program and no DTKS program flag.

KPM reasons are per person (``marts_kpm.kpm_records`` person key, the same persons as D4), so one
person on three lists is one row; the evidence names every program and record.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from bansos360.config import Strict, load_yaml_model
from bansos360.errors import ConfigError
from bansos360.gold import marts_kpm as mk
from bansos360.gold.context import GoldContext
from bansos360.gold.registry import mart

TL_FILE = "tindak_lanjut.yaml"
REASONS = ("kpm_tidak_di_dtks", "kpm_hanya_dtks_lama", "kpm_di_luar_desil_layak", "kpm_nik_milik_orang_lain",
           "nik_ganda", "aturan_program", "disabilitas_tidak_di_dtks", "disabilitas_miskin_tanpa_bansos")


class Alasan(Strict):
    label: str
    tindakan: Literal["usulan", "sanggah", "verifikasi"]
    prioritas: int = Field(ge=1, le=9)
    aktif: bool = True


class TindakLanjutConfig(Strict):
    alasan: dict[str, Alasan]
    desil_layak: list[str] = Field(min_length=1)
    desil_miskin: list[str] = Field(min_length=1)
    aturan_program: list[str] = []

    @model_validator(mode="after")
    def _known_reasons(self):
        unknown = sorted(set(self.alasan) - set(REASONS))
        missing = sorted(set(REASONS) - set(self.alasan))
        if unknown or missing:
            raise ValueError(f"alasan: unknown {unknown}, missing {missing}; the reasons are {list(REASONS)}")
        return self


def load_config(ctx: GoldContext) -> TindakLanjutConfig:
    """``conf/tindak_lanjut.yaml``, validated, with band labels and rule codes checked against
    settings.yaml and program_rules.yaml."""
    path = Path(ctx.conf_dir) / TL_FILE
    cfg = load_yaml_model(path, TindakLanjutConfig)
    bands = {b for s in ctx.settings.desil_schemes.values() for b in s.bands}
    for key in ("desil_layak", "desil_miskin"):
        bad = [b for b in getattr(cfg, key) if b not in bands]
        if bad:
            raise ConfigError(f"{path.name}: {key}: unknown desil band(s) {bad}; settings.yaml bands: {sorted(bands)}")
    rules = mk.load_program_rules(ctx.conf_dir, ctx.settings).rules
    bad = [r for r in cfg.aturan_program if r not in rules]
    if bad:
        raise ConfigError(f"{path.name}: aturan_program: unknown rule(s) {bad}; program_rules.yaml has {sorted(rules)}")
    return cfg


TL_COLUMNS = {
    "alasan_kode": "Kode alasan tindak lanjut (conf/tindak_lanjut.yaml)",
    "alasan": "Uraian alasan tindak lanjut",
    "tindakan": "Tindakan yang disarankan: usulan, sanggah atau verifikasi",
    "prioritas": "Prioritas (1 = paling mendesak)",
    "sumber": "Asal subjek: kpm (daftar penerima), disabilitas (register Dinsos) atau dtks",
    "program": "Program bansos yang diterima (dipisah +), kosong bila tidak menerima",
    "nik": "NIK (16 digit) bila valid",
    "nik_mask": "NIK tersamar (6 digit awal)",
    "nama": "Nama sebagaimana tertulis",
    "nama_mask": "Nama tersamar",
    "idartbdt": "ID individu DTKS yang tertaut (bila ada)",
    "idbdt": "ID rumah tangga DTKS yang tertaut (bila ada)",
    "desil": "Desil rumah tangga pada DTKS terbaru (bila ada)",
    "bukti": "Bukti: berkas, baris, metode pencocokan dan data pendukung",
    "record_ids": "Id baris sumber (dipisah ;)",
    "periode_dtks": "Periode DTKS terbaru yang dipakai sebagai pembanding",
    "kode_kec": "Kode BPS kecamatan (7 digit); kosong bila lokasi tidak diketahui",
    "kode_bps": "Kode BPS desa/kelurahan (10 digit); kosong bila tidak diketahui",
    "nama_kecamatan": "Nama kecamatan",
    "nama_desa": "Nama desa/kelurahan",
}



def _null() -> Column:
    return F.lit(None).cast("string")


def _kpm_reasons(ctx: GoldContext, cfg: TindakLanjutConfig) -> list[DataFrame]:
    rec = mk.kpm_records(ctx)
    band = ctx.desil_band(F.col("desil"), F.col("desil_scheme"))
    where = F.concat_ws(":", F.col("program"), F.col("_source_file"), F.col("_row_number").cast("string"))
    per = rec.groupBy("person_key").agg(
        F.array_join(F.array_sort(F.collect_set("program")), "+").alias("program"),
        F.max(F.when(F.col("nik_valid"), F.col("nik"))).alias("nik"),
        F.min(F.struct(F.col("kode_bps").isNull().alias("_n"), "record_id", "nama", "nama_mask", "nik_mask",
                       "kode_bps", "kode_kec")).alias("_f"),
        F.max(F.col("status_dtks") == "ditemukan_terbaru").alias("terbaru"),
        F.max(F.col("linked")).alias("linked"),
        F.max(F.col("match_method") == "nik_name_conflict").alias("konflik"),
        F.max(F.when(F.col("status_dtks") == "ditemukan_terbaru", F.col("idartbdt"))).alias("idartbdt_t"),
        F.max(F.when(F.col("linked"), F.col("idartbdt"))).alias("idartbdt_any"),
        F.max(F.when(F.col("status_dtks") == "ditemukan_terbaru", F.col("idbdt"))).alias("idbdt_t"),
        F.max(F.when(F.col("linked"), F.col("periode_dtks"))).alias("periode_terakhir"),
        F.max(F.when(F.col("status_dtks") == "ditemukan_terbaru", F.col("desil"))).alias("desil_t"),
        F.max(F.when(F.col("status_dtks") == "ditemukan_terbaru", band)).alias("band_t"),
        F.array_join(F.array_sort(F.collect_list("record_id")), ";").alias("record_ids"),
        F.array_join(F.array_sort(F.collect_list(where)), "; ").alias("_where"),
        F.array_join(F.array_sort(F.collect_set("nik_reason")), ",").alias("_reasons"),
    )
    base = {"sumber": F.lit("kpm"), "program": F.col("program"), "nik": F.col("nik"),
            "nik_mask": F.col("_f.nik_mask"), "nama": F.col("_f.nama"), "nama_mask": F.col("_f.nama_mask"),
            "record_ids": F.col("record_ids"), "kode_bps": F.col("_f.kode_bps"), "kode_kec": F.col("_f.kode_kec")}
    out = []

    def add(code, cond, idartbdt, idbdt, desil, bukti):
        if cfg.alasan[code].aktif:
            out.append(per.where(cond).select(F.lit(code).alias("alasan_kode"), *[v.alias(k) for k, v in base.items()],
                                              idartbdt.alias("idartbdt"), idbdt.alias("idbdt"),
                                              desil.cast("int").alias("desil"), bukti.alias("bukti")))

    add("kpm_tidak_di_dtks", ~F.col("linked") & ~F.col("konflik"), _null(), _null(), F.lit(None),
        F.concat(F.lit("Tidak cocok dengan individu DTKS mana pun (NIK: "), F.col("_reasons"), F.lit("). Baris: "),
                 F.col("_where")))
    add("kpm_hanya_dtks_lama", F.col("linked") & ~F.col("terbaru"), F.col("idartbdt_any"), _null(), F.lit(None),
        F.concat(F.lit("Terakhir ada di DTKS periode "), F.col("periode_terakhir"), F.lit(". Baris: "),
                 F.col("_where")))
    add("kpm_di_luar_desil_layak", F.col("terbaru") & ~F.coalesce(F.col("band_t").isin(*cfg.desil_layak), F.lit(False)),
        F.col("idartbdt_t"), F.col("idbdt_t"), F.col("desil_t"),
        F.concat(F.lit("Kelompok desil: "), F.coalesce(F.col("band_t"), F.lit("-")), F.lit(". Baris: "),
                 F.col("_where")))
    add("kpm_nik_milik_orang_lain", F.col("konflik") & ~F.col("linked"), _null(), _null(), F.lit(None),
        F.concat(F.lit("NIK terdaftar di DTKS atas nama lain. Baris: "), F.col("_where")))

    if cfg.alasan["aturan_program"].aktif and cfg.aturan_program:
        rules = mk.load_program_rules(ctx.conf_dir, ctx.settings).rules
        persons = mk.multi_program_persons(ctx)
        hit = F.filter(F.col("aturan"), lambda a: a.isin(*cfg.aturan_program))
        labels = F.lit(None).cast("string")
        for code in cfg.aturan_program:
            labels = F.when(F.col("_a") == code, F.lit(rules[code].label)).otherwise(labels)
        rows = (persons.withColumn("_hit", hit).where(F.size("_hit") > 0)
                .select("person_key", F.explode("_hit").alias("_a")).withColumn("_label", labels)
                .groupBy("person_key").agg(F.array_join(F.array_sort(F.collect_list("_label")), "; ").alias("_rules")))
        out.append(per.join(rows, "person_key").select(
            F.lit("aturan_program").alias("alasan_kode"), *[v.alias(k) for k, v in base.items()],
            F.coalesce(F.col("idartbdt_t"), F.col("idartbdt_any")).alias("idartbdt"), F.col("idbdt_t").alias("idbdt"),
            F.col("desil_t").cast("int").alias("desil"),
            F.concat(F.lit("Aturan: "), F.col("_rules"), F.lit(". Program: "), F.col("program")).alias("bukti")))
    return out


def _nik_ganda(ctx: GoldContext) -> DataFrame:
    g = ctx.nik_ganda
    pen = ctx.penerima.select("record_id", "nama_mask", "nik_mask")
    dis = ctx.disabilitas.select("record_id", "nama_mask", "nik_mask")
    masks = pen.unionByName(dis)
    kode = F.col("kode_bps")
    return (g.join(masks, "record_id", "left").select(
        F.lit("nik_ganda").alias("alasan_kode"),
        F.when(F.col("program") == "DISABILITAS", F.lit("disabilitas")).otherwise(F.lit("kpm")).alias("sumber"),
        F.when(F.col("program") != "DISABILITAS", F.col("program")).alias("program"),
        "nik", "nik_mask", "nama", "nama_mask", _null().alias("idartbdt"), _null().alias("idbdt"),
        F.lit(None).cast("int").alias("desil"),
        F.concat(F.lit("NIK dipakai "), F.col("n_records").cast("string"), F.lit(" baris, "),
                 F.col("n_conflicting").cast("string"), F.lit(" di antaranya orang lain ("), F.col("reason"),
                 F.lit("). Berkas: "), F.col("_source_file"), F.lit(" baris "),
                 F.col("_row_number").cast("string")).alias("bukti"),
        F.col("record_id").alias("record_ids"), kode.alias("kode_bps"), F.substring(kode, 1, 7).alias("kode_kec")))


def _disabilitas(ctx: GoldContext, cfg: TindakLanjutConfig) -> list[DataFrame]:
    latest = ctx.latest_period
    out = []
    dis = ctx.disabilitas
    link = ctx.link_disabilitas.select("record_id", "idartbdt", "idbdt", "in_latest", "match_method")
    d = dis.join(link, "record_id", "left")
    in_latest = F.coalesce(F.col("in_latest"), F.lit(False)) & F.col("match_method").isin(*mk.LINKED_METHODS)
    if cfg.alasan["disabilitas_tidak_di_dtks"].aktif:
        out.append(d.where(~in_latest).select(
            F.lit("disabilitas_tidak_di_dtks").alias("alasan_kode"), F.lit("disabilitas").alias("sumber"),
            _null().alias("program"), F.when(F.col("nik_format_ok"), F.col("nik")).alias("nik"), "nik_mask", "nama",
            "nama_mask", _null().alias("idartbdt"), _null().alias("idbdt"), F.lit(None).cast("int").alias("desil"),
            F.concat(F.lit("Jenis disabilitas: "), F.coalesce(F.col("jenis_disabilitas"), F.lit("-")),
                     F.lit(". Pencocokan DTKS: "), F.coalesce(F.col("match_method"), F.lit("none")),
                     F.lit(". Berkas: "), F.col("_source_file"), F.lit(" baris "),
                     F.col("_row_number").cast("string")).alias("bukti"),
            F.col("record_id").alias("record_ids"), F.col("kode_bps"),
            F.substring(F.col("kode_bps"), 1, 7).alias("kode_kec")))
    if cfg.alasan["disabilitas_miskin_tanpa_bansos"].aktif:
        ind = ctx.individu.where(F.col("periode") == latest)
        reg = d.where(in_latest).select("idartbdt").distinct().withColumn("_reg", F.lit(True))
        ind = ind.join(reg, "idartbdt", "left")
        disabled = ind.where(F.coalesce(F.col("is_disabilitas"), F.lit(False)) | F.col("_reg").isNotNull())
        rt = ctx.rumah_tangga.where(F.col("periode") == latest).select(
            "idbdt", "desil", ctx.desil_band(F.col("desil"), F.col("desil_scheme")).alias("_band"))
        kpm_art = (ctx.link_penerima.where(F.col("match_method").isin(*mk.LINKED_METHODS))
                   .select("idartbdt").distinct().withColumn("_kpm", F.lit(True)))
        kpm_nik = (ctx.penerima.where(F.col("nik_format_ok")).select("nik").distinct()
                   .withColumn("_kpm_nik", F.lit(True)))
        flags = F.coalesce(F.col("ada_pkh"), F.lit(False)) | F.coalesce(F.col("ada_bpnt"), F.lit(False))
        sel = (disabled.join(rt, "idbdt").where(F.col("_band").isin(*cfg.desil_miskin))
               .join(kpm_art, "idartbdt", "left").join(kpm_nik, "nik", "left")
               .where(F.col("_kpm").isNull() & F.col("_kpm_nik").isNull() & ~flags))
        out.append(sel.select(
            F.lit("disabilitas_miskin_tanpa_bansos").alias("alasan_kode"), F.lit("dtks").alias("sumber"),
            _null().alias("program"), F.when(F.col("nik_format_ok"), F.col("nik")).alias("nik"), "nik_mask", "nama",
            "nama_mask", "idartbdt", "idbdt", F.col("desil").cast("int").alias("desil"),
            F.concat(F.lit("Disabilitas: "), F.coalesce(F.col("jenis_cacat_label"), F.lit("register Dinsos")),
                     F.lit("; "), F.col("_band"), F.lit("; tidak menerima PKH/BPNT/program KPM mana pun")).alias("bukti"),
            _null().alias("record_ids"), "kode_bps", F.substring(F.col("kode_bps"), 1, 7).alias("kode_kec")))
    return out


@mart("mart_tindak_lanjut", dashboards=("tindak_lanjut",), schema="terbatas",
      grain="one row per person (KPM person, disability-register record or DTKS individual) per reason",
      description="Daftar tindak lanjut per desa untuk putaran pemutakhiran berikutnya (usulan, sanggah, "
                  "verifikasi) beserta alasan dan buktinya",
      columns=TL_COLUMNS, pii={"nik": "nik_mask", "nama": "nama_mask"}, indexes=("nik", "idartbdt", "alasan_kode"),
      kecamatan_column="kode_kec")
def mart_tindak_lanjut(ctx: GoldContext) -> DataFrame:
    cfg = load_config(ctx)
    parts = _kpm_reasons(ctx, cfg)
    if cfg.alasan["nik_ganda"].aktif:
        parts.append(_nik_ganda(ctx))
    parts += _disabilitas(ctx, cfg)
    df = parts[0]
    for p in parts[1:]:
        df = df.unionByName(p)
    label, action, prio = (F.lit(None).cast("string"),) * 2 + (F.lit(None).cast("int"),)
    for code, a in cfg.alasan.items():
        hit = F.col("alasan_kode") == code
        label = F.when(hit, F.lit(a.label)).otherwise(label)
        action = F.when(hit, F.lit(a.tindakan)).otherwise(action)
        prio = F.when(hit, F.lit(a.prioritas)).otherwise(prio)
    df = (df.withColumns({"alasan": label, "tindakan": action, "prioritas": prio.cast("int"),
                          "periode_dtks": F.lit(ctx.latest_period),
                          "kode_bps": F.when(F.col("kode_bps") != "", F.col("kode_bps")),
                          "kode_kec": F.when(F.col("kode_kec") != "", F.col("kode_kec"))})
          .transform(mk.with_place_names(ctx.ref_wilayah)))
    return df.select(*TL_COLUMNS)
