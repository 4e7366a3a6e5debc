"""Bronze layer: land raw files in Delta as delivered, with lineage, quarantine and profiles."""
