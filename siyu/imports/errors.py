"""Refusals of an import. A refused import writes nothing."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from siyu.core.errors import SiyuError


class UnreadableFile(SiyuError):
    """Raised when the upload is neither CSV text nor an .xlsx workbook we can open."""

    code = "unreadable_file"
    message = _("The file could not be read as CSV or Excel (.xlsx).")


class WrongEncoding(SiyuError):
    """Raised when a CSV file's bytes are not text in the given encoding (e.g. GBK read as UTF-8)."""

    code = "wrong_encoding"
    message = _("The file is not text in the given encoding; try another encoding, e.g. gb18030.")


class EmptyFile(SiyuError):
    """Raised when the file has no data rows."""

    code = "empty_file"
    message = _("The file has no data rows.")


class FileTooLarge(SiyuError):
    """Raised when an uploaded file is over the upload limit (use the command line for larger files)."""

    code = "file_too_large"
    status = 413
    message = _("The file is too large to upload; import it with the siyu import command.")


class InvalidImportOption(SiyuError):
    """Raised when an option is unusable: a date format, a delimiter, an encoding, a sheet name."""

    code = "invalid_import_option"
    message = _("An import option is invalid.")


class UnknownField(SiyuError):
    """Raised when a column mapping names a field this kind of import does not have."""

    code = "unknown_import_field"
    message = _("The column mapping names a field this import does not know.")


class ColumnNotFound(SiyuError):
    """Raised when a column mapping names a column that is not in the file."""

    code = "column_not_found"
    message = _("A mapped column is not in the file.")


class MissingColumns(SiyuError):
    """Raised when a required field has no column, neither mapped nor found by its usual names."""

    code = "missing_columns"
    message = _("Some required columns were not found; map them to the file's columns.")


class ImportRejected(SiyuError):
    """Raised when rows are invalid and bad rows are not to be skipped: ``detail`` is the row report."""

    code = "import_rejected"
    message = _("Some rows are invalid, so nothing was imported. Fix them or skip bad rows.")


class ImportConflict(SiyuError):
    """Raised when another import wrote the same customers, orders or SKUs at the same moment."""

    code = "import_conflict"
    status = 409
    message = _("Another import wrote the same data at the same time; nothing was imported. Try again.")


class TooManyRows(SiyuError):
    """Raised when a file has more data rows than one import may take (``SIYU_IMPORT_MAX_ROWS``)."""

    code = "too_many_rows"
    status = 413
    message = _("The file has too many rows for one import; split it into smaller files.")


class ImportFailed(SiyuError):
    """Recorded on a background import that stopped on an unexpected error (logged with its traceback)."""

    code = "import_failed"
    status = 500
    message = _("The import failed unexpectedly; nothing was imported.")
