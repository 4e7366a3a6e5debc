"""spark-submit entry point: publish gold marts to PostgreSQL (see `bansos360 publish --help`).

    BANSOS_PG_URL=postgresql://... spark-submit --packages io.delta:delta-spark_4.2_2.13:4.4.0 jobs/publish.py --mart mart_kpm_overview
"""

import sys

from bansos360.cli import app

if __name__ == "__main__":
    sys.exit(app(["publish", *sys.argv[1:]]))
