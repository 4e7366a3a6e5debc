"""One exception base for the whole library, so callers can catch ``BansosError``."""


class BansosError(Exception):
    """Base of every error raised on purpose by bansos360."""


class ConfigError(BansosError):
    """A YAML file in conf/ is missing, unreadable or fails validation."""


class SparkSetupError(BansosError):
    """Spark or the Delta Lake jars could not be set up."""


class SourceFileError(BansosError):
    """A raw file cannot be read at all (corrupt, empty, wrong layout, ...).

    The message always names the file and, where known, the sheet and column.
    """

    def __init__(self, file, reason, sheet=None, column=None):
        self.file, self.reason, self.sheet, self.column = str(file), reason, sheet, column
        where = [f"file {self.file}"]
        if sheet is not None:
            where.append(f"sheet {sheet!r}")
        if column is not None:
            where.append(f"column {column!r}")
        super().__init__(f"{', '.join(where)}: {reason}")


class MissingColumnError(SourceFileError):
    """A required column is absent from a raw file's header."""
