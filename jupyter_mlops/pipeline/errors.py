"""The exceptions export raises for bad input: each names the cell or path and what to do."""

from __future__ import annotations

from ..core.errors import Conflict, InvalidInput, NotFound


class ExportError(InvalidInput):
    """Bad input to export (not a notebook, syntax error, cycle, existing output...).

    ``code`` is a short machine-readable reason for the REST API and the CLI;
    ``cell`` is the 0-based index of the offending cell when there is one.
    """

    default_code = "invalid"

    def __init__(self, message: str, code: str | None = None, cell: int | None = None):
        super().__init__(message, code, **({} if cell is None else {"cell": cell}))
        self.cell = cell

    def as_dict(self) -> dict:
        return {"code": self.code, "message": str(self), "cell": self.cell}

    def reworded(self, message: str) -> ExportError:
        """The same error (same kind, code and cell) with another message."""
        return type(self)(message, self.code, self.cell)


class NotebookNotFound(ExportError, NotFound):
    """No notebook at the path given."""

    default_code = "not_found"


class OutputExists(ExportError, Conflict):
    """The output folder exists; export never overwrites."""

    default_code = "exists"
