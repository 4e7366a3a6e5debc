"""docs/marts.md is generated from the registry and must be current."""

from pathlib import Path

from bansos360.gold import docs
from bansos360.gold.registry import load_all

DOC = Path(__file__).resolve().parents[2] / "docs" / "marts.md"


def test_marts_doc_is_current():
    assert DOC.read_text(encoding="utf-8") == docs.render(), "run `bansos360 gold docs` and commit docs/marts.md"


def test_every_mart_documents_every_column_in_indonesian():
    for name, m in load_all().items():
        assert m.description and m.grain and m.columns, name
        assert all(text.strip() for text in m.columns.values()), name
        assert set(m.dashboards) <= set(docs.DASHBOARDS), name
