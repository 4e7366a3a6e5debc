"""Synthetic raw data of Kabupaten Trenggalek: DTKS per period, KPM lists, disability register,
usulan daerah, plus ground truth. Entry point: :func:`generate`.
"""

from bansos360.generate.core import generate

__all__ = ["generate"]
