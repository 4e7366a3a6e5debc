"""Publish gold marts to PostgreSQL (:mod:`bansos360.publish.pg`) and the embedded local cluster
used by ``make demo`` and the tests (:mod:`bansos360.publish.embedded`)."""
