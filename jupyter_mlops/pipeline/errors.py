"""The one exception export raises for bad input: it names the cell or path and what to do."""

from __future__ import annotations


class ExportError(ValueError):
    """Bad input to export (not a notebook, syntax error, cycle, existing output...).

    ``code`` is a short machine-readable reason for the REST API and the CLI;
    ``cell`` is the 0-based index of the offending cell when there is one.
    """

    def __init__(self, message: str, code: str = "invalid", cell: int | None = None):
        super().__init__(message)
        self.code = code
        self.cell = cell

    def as_dict(self) -> dict:
        return {"code": self.code, "message": str(self), "cell": self.cell}
