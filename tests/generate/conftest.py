"""Fixtures for the generator tests: small runs (scale 0.01), each generated once per session."""

from __future__ import annotations

from pathlib import Path

import pytest

from bansos360.generate import generate

SCALE = 0.01


@pytest.fixture(scope="session")
def gen_messy_again(tmp_path_factory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("gen_messy_again")
    return out, generate(out, scale=SCALE, seed=42)


@pytest.fixture(scope="session")
def gen_seed43(tmp_path_factory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("gen_seed43")
    return out, generate(out, scale=SCALE, seed=43)
