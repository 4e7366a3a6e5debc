"""Gold layer: one mart per dashboard family (``gold.mart_*``), built from silver by pure functions."""
