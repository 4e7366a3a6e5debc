"""Bansos 360: DTKS and KPM data pipeline (raw -> bronze -> silver -> gold)."""

__version__ = "0.1.0"
