"""Query-string parsing and validation: every bad value is a 400 that says how to fix it.

Filter and order strings are parsed with MLflow's own search grammar (core.store) before
the store sees them, so a typo reads the same on SQLite, PostgreSQL and a remote tracking server.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..core import store
from .errors import bad_request

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 1000
MAX_FILTER_LENGTH = 4000
_ID = re.compile(r"^[A-Za-z0-9_\-]{1,64}$")
_VIEWS = {"active": "active_only", "deleted": "deleted_only", "all": "all"}


@dataclass(frozen=True)
class RunQuery:
    experiment_id: str
    filter_string: str
    order_by: list[str]
    page_token: str | None
    page_size: int
    view: str  # active_only, deleted_only or all


def identifier(value: str | None, what: str) -> str:
    if not value:
        raise bad_request(f"The '{what}' parameter is required.")
    if not _ID.match(value):
        raise bad_request(f"{what} {value!r} is not a valid id (letters, digits, '-' and '_').")
    return value


def integer(value: str | None, what: str, default: int, low: int, high: int) -> int:
    if value is None or value == "":
        return default
    try:
        number = int(value)
    except ValueError:
        raise bad_request(f"{what} must be a whole number between {low} and {high}, not {value!r}.") from None
    if not low <= number <= high:
        raise bad_request(f"{what} must be between {low} and {high}, not {number}.")
    return number


def boolean(value: str | None, what: str, default: bool = False) -> bool:
    if value is None or value == "":
        return default
    lowered = value.lower()
    if lowered in ("1", "true", "yes"):
        return True
    if lowered in ("0", "false", "no"):
        return False
    raise bad_request(f"{what} must be true or false, not {value!r}.")


def filter_string(value: str | None) -> str:
    text = (value or "").strip()
    if len(text) > MAX_FILTER_LENGTH:
        raise bad_request(f"The filter is {len(text)} characters; the limit is {MAX_FILTER_LENGTH}.",
                          code="invalid_filter")
    try:
        return store.check_filter(text)
    except store.InvalidQuery as exc:
        raise bad_request(
            f"Invalid filter: {exc} Use MLflow search syntax, for example "
            "metrics.accuracy > 0.9 and params.model = 'rf'.",
            code="invalid_filter",
        ) from None


def order_by(values: list[str]) -> list[str]:
    clauses = [v.strip() for v in values if v and v.strip()]
    for clause in clauses:
        try:
            store.check_order_by(clause)
        except store.InvalidQuery as exc:
            raise bad_request(
                f"Invalid order_by {clause!r}: {exc} Use for example "
                "'attributes.start_time DESC' or 'metrics.accuracy ASC'.",
                code="invalid_order_by",
            ) from None
    return clauses or ["attributes.start_time DESC"]


def run_query(get, get_all) -> RunQuery:
    """Build a RunQuery from a handler's ``get_query_argument``/``get_query_arguments``."""
    view = (get("view") or "active").lower()
    if view not in _VIEWS:
        raise bad_request(f"view must be one of {', '.join(_VIEWS)}, not {view!r}.")
    token = get("page_token") or None
    if token is not None and (len(token) > 4096 or not token.isprintable()):
        raise bad_request("page_token is not a token this API returned.", code="invalid_page_token")
    return RunQuery(
        experiment_id=identifier(get("experiment_id"), "experiment_id"),
        filter_string=filter_string(get("filter")),
        order_by=order_by(get_all("order_by")),
        page_token=token,
        page_size=integer(get("page_size"), "page_size", DEFAULT_PAGE_SIZE, 1, MAX_PAGE_SIZE),
        view=_VIEWS[view],
    )
