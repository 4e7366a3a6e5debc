"""``docs/marts.md`` generated from the mart registry (``bansos360 gold docs``); a test keeps it current."""

from __future__ import annotations

from pathlib import Path

from bansos360.gold import registry
from bansos360.publish.pg import placement

DASHBOARDS = {
    "D1": "KPM overview", "D2": "NIK/KK ownership", "D3": "Desil of KPM vs latest DTKS", "D4": "Multi-program",
    "D5": "BNBA detail", "D6": "DTKS period comparison", "D7": "Household desil movement",
    "D8": "Usulan vs penetapan", "D9": "360 individual", "D10": "360 household", "D11": "RFM segments",
    "D12": "Disability", "tindak_lanjut": "Action worklist", "peringatan_dini": "Early warning",
}


def render() -> str:
    marts = registry.load_all()
    out = ["# Gold marts", "",
           "Generated from the mart registry (`lib/bansos360/gold/registry.py`) by `bansos360 gold docs`;",
           "do not edit by hand. Each mart is a Delta table `gold.<name>` built by `bansos360 gold build`",
           "and published to PostgreSQL by `bansos360 publish`. Where it lands: marts with personal data",
           "(`pii`) are the table `terbatas.<name>` plus a masked view `gold.<name>` (the pii columns",
           "replaced by their masks or dropped); the others are `gold.<name>`. Row-level security by",
           "kecamatan applies to every `terbatas` table with a kecamatan column.", "",
           "| mart | dashboard | PostgreSQL | grain |", "|---|---|---|---|"]
    for m in marts.values():
        p = placement(m)
        where = f"`{p.table_schema}.{m.name}`" + (f" + view `gold.{m.name}`" if p.masked_view else "")
        dash = ", ".join(f"{d} {DASHBOARDS.get(d, '')}".strip() for d in m.dashboards)
        out.append(f"| [`{m.name}`](#{m.name.replace('_', '-')}) | {dash} | {where} | {m.grain} |")
    for m in marts.values():
        out += ["", f"## {m.name}", "", m.description, "", f"- grain: {m.grain}",
                f"- built by: `{m.fn.__module__}.{m.fn.__name__}`" if m.fn else "- written by the early-warning step"]
        if m.pii:
            out.append("- personal data (masked in the public view): " +
                       ", ".join(f"`{c}` → {f'`{k}`' if k else 'dropped'}" for c, k in m.pii.items()))
        if m.indexes or m.trigram:
            out.append("- indexed: " + ", ".join([f"`{c}`" for c in m.indexes] + [f"`{c}` (trigram)" for c in m.trigram]))
        if m.kecamatan_column:
            out.append(f"- row-level security by kecamatan on `{m.kecamatan_column}`")
        out += ["", "| column | keterangan |", "|---|---|"]
        out += [f"| `{c}` | {t} |" for c, t in m.columns.items()]
    return "\n".join(out) + "\n"


def write(path: Path | str = "docs/marts.md") -> Path:
    path = Path(path)
    path.write_text(render(), encoding="utf-8")
    return path
