"""spark-submit entry point: land all raw files in bronze (see `bansos360 ingest all --help`).

    spark-submit --packages io.delta:delta-spark_4.2_2.13:4.4.0 jobs/ingest_all.py --help
"""

import sys

from bansos360.bronze.job import main

if __name__ == "__main__":
    sys.exit(main("all"))
