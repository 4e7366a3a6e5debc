"""``bansos360`` command line: the same steps the jobs and Airflow DAGs run."""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path
from typing import Optional

import typer

from bansos360.errors import BansosError
from bansos360.log import setup_logging

app = typer.Typer(add_completion=False, no_args_is_help=True, help="Bansos 360 data platform.")
ingest_app = typer.Typer(no_args_is_help=True, help="Land raw files in bronze Delta tables.")
app.add_typer(ingest_app, name="ingest")
log = logging.getLogger("bansos360.cli")

ConfOpt = typer.Option(None, "--conf", help="configuration folder (default: $BANSOS_CONF or conf/)")
LakeOpt = typer.Option(None, "--lakehouse", help="lakehouse folder (default: $BANSOS_LAKEHOUSE or lakehouse/)")


def _run(fn, *args, **kwargs):
    """Run a step; a BansosError becomes one clear line on stderr and exit code 2."""
    setup_logging()
    try:
        return fn(*args, **kwargs)
    except BansosError as exc:
        typer.secho(f"error: {exc}", fg=typer.colors.RED, err=True)
        raise typer.Exit(2) from None


@app.command()
def generate(
    out: Path = typer.Option(Path("data/raw"), help="output folder"),
    scale: float = typer.Option(1.0, min=0.001, help="1.0 = Trenggalek's real size"),
    seed: int = typer.Option(42, help="random seed (same seed, same files)"),
    clean: bool = typer.Option(False, "--clean", help="no injected messiness"),
):
    """Generate synthetic DTKS, KPM, disability and usulan files with ground truth."""
    from bansos360.generate import generate as gen

    summary = _run(gen, out, scale=scale, seed=seed, clean=clean, progress=log.info)
    typer.echo(json.dumps(summary, indent=2, default=str))


@app.command("config-check")
def config_check(conf: Optional[Path] = ConfOpt):
    """Load and validate every file in conf/."""
    from bansos360.config import Config

    checked = _run(lambda: Config(conf).validate_all())
    typer.echo("ok: " + ", ".join(checked))


def main():  # pragma: no cover - console entry
    app()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
