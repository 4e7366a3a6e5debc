"""spark-submit entry point: build the gold marts (see `bansos360 gold build --help`).

    spark-submit --packages io.delta:delta-spark_4.2_2.13:4.4.0 jobs/build_gold.py [--mart mart_rfm]
"""

import sys

from bansos360.cli import app

if __name__ == "__main__":
    sys.exit(app(["gold", "build", *sys.argv[1:]]))
