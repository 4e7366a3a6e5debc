"""spark-submit entry point: rebuild silver DTKS tables (see `bansos360 silver build --help`).

    spark-submit --packages io.delta:delta-spark_4.2_2.13:4.4.0 jobs/build_silver.py --period 2020-10
"""

import sys

from bansos360.cli import app

if __name__ == "__main__":
    sys.exit(app(["silver", "build", *sys.argv[1:]]))
