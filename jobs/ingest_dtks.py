"""spark-submit entry point: land dtks raw files in bronze (see `bansos360 ingest dtks --help`).

    spark-submit --packages io.delta:delta-spark_4.2_2.13:4.4.0 jobs/ingest_dtks.py --help
"""

import sys

from bansos360.bronze.job import main

if __name__ == "__main__":
    sys.exit(main("dtks"))
