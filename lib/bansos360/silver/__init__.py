"""Silver layer: typed, standardized tables built from bronze with pure Spark transformations."""
