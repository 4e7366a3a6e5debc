"""Logging set-up for the CLI and jobs; library modules only call ``logging.getLogger``."""

import logging
import os
import sys


def setup_logging(level=None):
    """Send ``bansos360`` log lines to stderr, once; level from ``BANSOS_LOG_LEVEL``."""
    level = level or os.environ.get("BANSOS_LOG_LEVEL", "INFO")
    root = logging.getLogger("bansos360")
    if not root.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s", "%H:%M:%S"))
        root.addHandler(handler)
    root.setLevel(level)
    return root
