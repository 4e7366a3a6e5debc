"""``bansos360`` command line: the same steps the jobs and Airflow DAGs run."""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path

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
def config_check(conf: Path | None = ConfOpt):
    """Load and validate every file in conf/."""
    from bansos360.config import Config

    checked = _run(lambda: Config(conf).validate_all())
    typer.echo("ok: " + ", ".join(checked))


def _loader(conf, lakehouse_dir, reports, profile=True):
    from bansos360.bronze.load import BronzeLoader
    from bansos360.config import Config
    from bansos360.spark import get_spark

    cfg = Config(conf)
    cfg.validate_all()
    return BronzeLoader(get_spark("bansos360-ingest"), cfg, lake=lakehouse_dir, reports_dir=reports, profile=profile)


ReportsOpt = typer.Option(Path("reports"), "--reports", help="where profile HTML pages are written")
ForceOpt = typer.Option(False, "--force", help="reload even when the same file is already loaded")
ProfileOpt = typer.Option(True, "--profile/--no-profile", help="compute the EDA profile of each load")


def _print_results(results):
    results = results if isinstance(results, list) else [results]
    for r in results:
        typer.echo(json.dumps(r.summary(), default=str))


@ingest_app.command("dtks")
def ingest_dtks_cmd(file: Path = typer.Option(..., "--file", exists=False, help="DTKS zip (3503_ART.csv + 3503_RT.csv)"),
                    period: str = typer.Option(..., "--period", help="penetapan period YYYY-MM"),
                    conf: Path | None = ConfOpt, lakehouse_dir: Path | None = LakeOpt,
                    reports: Path = ReportsOpt, force: bool = ForceOpt, profile: bool = ProfileOpt):
    """Land one DTKS period (zip) in bronze.dtks_art and bronze.dtks_rt."""
    from bansos360.bronze.load import ingest_dtks

    _print_results(_run(lambda: ingest_dtks(_loader(conf, lakehouse_dir, reports, profile), file, period, force)))


@ingest_app.command("kpm")
def ingest_kpm_cmd(file: Path = typer.Option(..., "--file", help="KPM list (xlsx or csv)"),
                   program: str = typer.Option(..., "--program", help="program code from settings.yaml, e.g. PKH"),
                   conf: Path | None = ConfOpt, lakehouse_dir: Path | None = LakeOpt,
                   reports: Path = ReportsOpt, force: bool = ForceOpt, profile: bool = ProfileOpt):
    """Land one program's KPM list in bronze.kpm."""
    from bansos360.bronze.load import ingest_kpm

    _print_results(_run(lambda: ingest_kpm(_loader(conf, lakehouse_dir, reports, profile), file, program, force)))


def _kind_command(kind: str, help_text: str):
    def command(file: Path = typer.Option(..., "--file", help="xlsx or csv"),
                period: str = typer.Option(..., "--period", help="period YYYY-MM"),
                conf: Path | None = ConfOpt, lakehouse_dir: Path | None = LakeOpt,
                reports: Path = ReportsOpt, force: bool = ForceOpt, profile: bool = ProfileOpt):
        from bansos360.bronze.load import ingest_kind

        _print_results(_run(lambda: ingest_kind(_loader(conf, lakehouse_dir, reports, profile), kind, file, period, force)))

    command.__doc__ = help_text
    ingest_app.command(kind)(command)


_kind_command("disabilitas", "Land the disability register in bronze.disabilitas.")
_kind_command("usulan", "Land an usulan daerah file (proposals for a penetapan period) in bronze.usulan.")


@ingest_app.command("all")
def ingest_all_cmd(raw: Path = typer.Option(Path("data/raw"), "--raw", help="folder laid out like the generator's"),
                   conf: Path | None = ConfOpt, lakehouse_dir: Path | None = LakeOpt,
                   reports: Path = ReportsOpt, force: bool = ForceOpt, profile: bool = ProfileOpt):
    """Land every DTKS, KPM, disability and usulan file found under --raw."""
    from bansos360.bronze.load import ingest_all

    _print_results(_run(lambda: ingest_all(_loader(conf, lakehouse_dir, reports, profile), raw, force)))


@app.command()
def tables(lakehouse_dir: Path | None = LakeOpt):
    """List the Delta tables of the lakehouse with their row counts and versions."""
    from bansos360 import lakehouse
    from bansos360.spark import get_spark

    def show():
        spark = get_spark("bansos360-tables")
        for name in lakehouse.register_tables(spark, lakehouse_dir):
            layer, table = name.split(".", 1)
            v = lakehouse.table_version(spark, layer, table, lakehouse_dir)
            typer.echo(f"{name:30s} rows={lakehouse.read_table(spark, layer, table, lakehouse_dir).count():>10,} version={v}")

    _run(show)


@app.command()
def bench(scales: str = typer.Option("0.25,1", help="comma-separated scales"),
          with_scales: str = typer.Option("", "--with", help="extra scales to add, e.g. 4 (comma-separated)"),
          out: Path = typer.Option(Path("bench/results"), help="results folder"),
          work: Path = typer.Option(Path("data/bench"), help="scratch folder for generated data and lakehouse"),
          baseline: bool = typer.Option(True, help="run the DuckDB baseline and the cross-check")):
    """Benchmark every stage at each scale (generate, bronze, silver, gold, publish, one new period,
    DuckDB baseline, cross-check); results to bench/results/<date>.json, .md and .png."""
    from bansos360 import bench as b

    values = [float(s) for s in f"{scales},{with_scales}".split(",") if s.strip()]
    path = _run(b.run, list(dict.fromkeys(values)), out, work, baseline=baseline)
    typer.echo(path.with_suffix(".md").read_text())


silver_app = typer.Typer(no_args_is_help=True, help="Build silver warehouse tables from bronze.")
app.add_typer(silver_app, name="silver")


@silver_app.command("build")
def silver_build(period: list[str] | None = typer.Option(None, "--period", help="only these periods (repeatable)"),
                 program: list[str] | None = typer.Option(None, "--program",
                                                          help="only these KPM programs (repeatable)"),
                 conf: Path | None = ConfOpt, lakehouse_dir: Path | None = LakeOpt):
    """Rebuild silver tables (DTKS per period, KPM per program, disability and usulan per period),
    then link KPM and disability records to DTKS and list NIK ganda.

    Nothing named: everything. --period P: that DTKS period (+ disability/usulan of P), then all
    links. --program X: that program's list and links only."""
    from bansos360.config import Config
    from bansos360.silver.build import build_all
    from bansos360.spark import get_spark

    out = _run(lambda: build_all(get_spark("bansos360-silver"), Config(conf), periods=period or None,
                                 programs=program or None, lake=lakehouse_dir))
    typer.echo(json.dumps(out, indent=1))


pg_app = typer.Typer(no_args_is_help=True,
                     help="The embedded local PostgreSQL cluster ($BANSOS_PG_DATA or .pgdata/), used when BANSOS_PG_URL is unset.")
app.add_typer(pg_app, name="pg")


def _embedded():
    from bansos360.publish.embedded import EmbeddedPostgres

    return EmbeddedPostgres()


@pg_app.command("start")
def pg_start():
    """Create (first time) and start the embedded cluster; prints its URL. A running cluster is reused."""
    typer.echo(_run(lambda: _embedded().start()))


@pg_app.command("stop")
def pg_stop():
    """Stop the embedded cluster."""
    stopped = _run(lambda: _embedded().stop())
    typer.echo("stopped" if stopped else "not running")


@pg_app.command("url")
def pg_url_cmd():
    """Print the URL publish uses: $BANSOS_PG_URL, else the running embedded cluster's."""
    from bansos360.publish.embedded import pg_url

    typer.echo(_run(pg_url, start=False))


@pg_app.command("status")
def pg_status():
    """Data folder, running or not, URL and log file of the embedded cluster (exit 1 when not running)."""
    st = _run(lambda: _embedded().status())
    typer.echo(json.dumps(st, indent=1))
    if not st["running"]:
        raise typer.Exit(1)


@app.command("publish")
def publish_cmd(mart: list[str] | None = typer.Option(None, "--mart", help="only these marts (repeatable); default: every built mart"),
                lake: Path | None = typer.Option(None, "--lake", "--lakehouse", help="lakehouse folder (default: $BANSOS_LAKEHOUSE or lakehouse/)"),
                url: str | None = typer.Option(None, "--url", help="PostgreSQL URL (default: $BANSOS_PG_URL, else the embedded cluster)")):
    """Publish gold marts to PostgreSQL (schemas gold/terbatas, masked views, roles, RLS; atomic swap per mart)."""
    from bansos360.spark import get_spark

    def run():
        from bansos360.gold.registry import load_all
        from bansos360.publish.pg import PublishError, publish

        marts = None
        if mart:
            known = load_all()
            unknown = [m for m in mart if m not in known]
            if unknown:
                raise PublishError(f"unknown mart(s) {unknown}; registered: {sorted(known)}")
            marts = [known[m] for m in mart]
        return publish(get_spark("bansos360-publish"), marts, lake=lake, url=url)

    for summary in _run(run):
        typer.echo(json.dumps(summary, default=str))


gold_app = typer.Typer(no_args_is_help=True, help="Gold marts for the dashboards.")
app.add_typer(gold_app, name="gold")


@gold_app.command("build")
def gold_build(mart: list[str] | None = typer.Option(None, "--mart", help="only these marts (repeatable)"),
               no_early_warning: bool = typer.Option(False, "--no-early-warning",
                                                     help="skip the early-warning check"),
               conf: Path | None = ConfOpt, lakehouse_dir: Path | None = LakeOpt):
    """Build the gold marts from silver, then check early-warning thresholds (gold.peringatan)."""
    from bansos360.config import Config
    from bansos360.gold.build import build_gold
    from bansos360.spark import get_spark

    out = _run(lambda: build_gold(get_spark("bansos360-gold"), Config(conf), lake=lakehouse_dir,
                                  marts=mart or None, early_warning=not no_early_warning))
    typer.echo(json.dumps(out, indent=1, default=str))


@gold_app.command("docs")
def gold_docs(out: Path = typer.Option(Path("docs/marts.md"), help="output file")):
    """Write docs/marts.md from the mart registry (every mart, its columns and where it is published)."""
    from bansos360.gold import docs

    typer.echo(f"written {docs.write(out)}")


@gold_app.command("list")
def gold_list():
    """List the registered marts with their dashboards, schema and grain."""
    from bansos360.gold import registry

    for m in registry.load_all().values():
        typer.echo(f"{m.schema}.{m.name}\t{','.join(m.dashboards)}\t{m.grain}")


def main():  # pragma: no cover - console entry
    app()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
