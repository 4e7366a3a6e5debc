"""Bansos 360: open data platform for social-assistance targeting.

Versions are pinned to a set that installs together on Python 3.11 and was
checked on the project machines. Why these pins:

* ``pyspark==4.2.0`` with ``delta-spark==4.4.0``: delta-spark 4.4.x supports
  pyspark 4.0.1-4.2.0 and asks Maven for ``io.delta:delta-spark_4.2_2.13``.
  4.4.1's jar was not served by Maven Central when this was set up, 4.4.0's is.
* ``pandas<3``: pyspark 4.2 warns that it does not yet fully support pandas 3.
* ``splink==5.0.0`` + ``duckdb``: record linkage of KPM/disability records to DTKS (silver).
  Splink's DuckDB backend is the default (~10x faster than its Spark backend on one machine,
  same links; docs/linkage.md); duckdb also runs the benchmark baseline.
"""

from setuptools import find_namespace_packages, setup

SPARK = ["pyspark==4.2.0", "delta-spark==4.4.0"]

setup(
    name="bansos360",
    version="0.1.0",
    description="Bansos 360: DTKS and KPM data pipeline (bronze/silver/gold) for a regency",
    python_requires=">=3.11,<3.12",
    package_dir={"": "lib"},
    packages=find_namespace_packages("lib", include=["bansos360", "bansos360.*"]),
    package_data={"bansos360.reference_data": ["*.csv", "*.geojson", "*.md"]},
    include_package_data=True,
    install_requires=SPARK
    + [
        "pandas>=2.2,<3",
        "numpy>=1.26,<3",
        "pyarrow>=15",
        "openpyxl==3.1.5",
        "python-calamine==0.9.1",
        "XlsxWriter==3.3.1",
        "Faker==40.63.0",
        "pydantic>=2.7,<3",
        "PyYAML>=6.0",
        "typer>=0.12,<1",
        "psycopg[binary]>=3.2,<4",
        "splink==5.0.0",
        "duckdb>=1.1",
    ],
    extras_require={
        "dev": ["pytest>=8", "chispa==0.12.0", "ruff>=0.6"],
        "bench": ["matplotlib>=3.8", "psutil>=5.9"],
    },
    entry_points={"console_scripts": ["bansos360=bansos360.cli:app"]},
)
