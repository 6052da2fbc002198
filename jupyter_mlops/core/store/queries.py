"""Filter strings and searches: the only code that writes MLflow filter syntax.

MLflow's filter grammar has no escapes: a value is a literal in single or double quotes
and may not contain its own quote character (a backslash is an ordinary character).  A
value holding both quote characters cannot be written as a literal at all; it is then
matched with ``LIKE`` (``_`` standing for each quote) and the answer filtered here.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from ..errors import InvalidInput

PAGE_SIZE = 1000  # MLflow's largest page for search_runs on every store
RUN_COUNT_CAP = 1000  # above this many runs a non-SQL store reports "at least"


class InvalidQuery(InvalidInput):
    """A filter or order_by string MLflow does not accept; the message says why."""


def quote(value: str) -> str | None:
    """A literal MLflow's parser reads back as exactly ``value``, or None if there is none."""
    if "'" not in value:
        return f"'{value}'"
    if '"' not in value:
        return f'"{value}"'
    return None


def tag(key: str) -> str:
    """The filter identifier of tag ``key`` (backquoted: our keys hold dots)."""
    if "`" in key:
        raise InvalidQuery(f"A tag key used in a filter cannot contain a backquote: {key!r}")
    return f"tags.`{key}`"


@dataclass(frozen=True)
class Clause:
    """One condition of a filter string, and the exact check when the store's answer
    may be wider than asked (a value no literal can hold)."""

    text: str
    field: str = ""
    value: str | None = None

    @property
    def exact(self) -> bool:
        return self.value is None


def equals(field: str, value: str) -> Clause:
    """``field = value`` for any string value, e.g. ``equals(tag(names.NOTEBOOK), path)``."""
    literal = quote(value)
    if literal is not None:
        return Clause(f"{field} = {literal}")
    pattern = value.replace("'", "_").replace('"', "_")
    return Clause(f"{field} LIKE '{pattern}'", field, value)


def one_of(field: str, values: Iterable[str]) -> Clause:
    """``field IN (...)`` for values that each have a literal (ids, digests)."""
    literals = []
    for value in values:
        literal = quote(value)
        if literal is None:
            raise InvalidQuery(f"{value!r} cannot be written in an MLflow IN list")
        literals.append(literal)
    return Clause(f"{field} IN ({', '.join(literals)})")


def contains(field: str, text: str, case_sensitive: bool = False) -> Clause:
    """``field [I]LIKE '%text%'`` (``%`` and ``_`` in ``text`` widen the match; callers
    that need exactness filter the answer)."""
    op = "LIKE" if case_sensitive else "ILIKE"
    literal = quote(f"%{text}%")
    if literal is None:
        literal = "'%{}%'".format(text.replace("'", "_").replace('"', "_"))
    return Clause(f"{field} {op} {literal}")


def where(*clauses: Clause | str) -> str:
    return " and ".join(c.text if isinstance(c, Clause) else c for c in clauses if c)


def _matches(obj, clause: Clause) -> bool:
    field = clause.field
    if field.startswith("tags."):
        key = field[len("tags."):].strip("`")
        return _tags_of(obj).get(key) == clause.value
    if field in ("name", "attributes.run_name", "run_name"):
        return (getattr(obj, "name", None) or getattr(getattr(obj, "info", None), "run_name", None)) == clause.value
    return True


def _tags_of(obj) -> dict:
    data = getattr(obj, "data", None)
    if data is not None:
        return data.tags
    tags = getattr(obj, "tags", None) or {}
    return tags if isinstance(tags, dict) else {t.key: t.value for t in tags}


def exact(found: Iterable, clauses: Iterable[Clause | str]) -> list:
    """Keep what satisfies the inexact clauses exactly."""
    inexact = [c for c in clauses if isinstance(c, Clause) and not c.exact]
    return [obj for obj in found if all(_matches(obj, c) for c in inexact)]


# -- searches ------------------------------------------------------------------------------
def iter_runs(client, experiment_ids: list[str], *clauses: Clause | str, order_by: list[str] | None = None,
              page_size: int = PAGE_SIZE, limit: int | None = None, pause: float = 0.0,
              run_view_type: int | None = None) -> Iterator:
    """Every run matching ``clauses``, page by page (``pause`` seconds between pages lets
    other threads have the GIL); at most ``limit``."""
    if not experiment_ids:
        return
    extra = {} if run_view_type is None else {"run_view_type": run_view_type}
    token, given = None, 0
    text = where(*clauses)
    while True:
        size = page_size if limit is None else min(page_size, limit - given)
        page = client.search_runs(experiment_ids, filter_string=text, max_results=size,
                                  order_by=order_by, page_token=token, **extra)
        for run in exact(page, clauses):
            yield run
            given += 1
        token = page.token
        if not token or (limit is not None and given >= limit):
            return
        if pause:
            time.sleep(pause)


def find_run(client, experiment_ids: list[str], *clauses: Clause | str, order_by: list[str] | None = None):
    """The first run matching ``clauses`` (newest first unless ``order_by``), or None."""
    return next(iter_runs(client, experiment_ids, *clauses, page_size=10 if all(
        not isinstance(c, Clause) or c.exact for c in clauses) else PAGE_SIZE,
        order_by=order_by or ["attributes.start_time DESC"], limit=1), None)


def runs_page(client, experiment_id: str, filter_string: str, order_by: list[str], page_size: int,
              page_token: str | None, view: str = "active_only") -> tuple[list, str | None]:
    """One page of a user's query (the sidebar's table): runs and the next token.
    ``view`` is ``active_only``, ``deleted_only`` or ``all``."""
    from mlflow.entities import ViewType

    page = client.search_runs([experiment_id], filter_string=filter_string,
                              run_view_type=ViewType.from_string(view),
                              max_results=page_size, order_by=order_by, page_token=page_token)
    token = page.token.decode() if isinstance(page.token, bytes) else page.token
    return list(page), token or None


def all_experiments(client, active_only: bool = True, order_by: list[str] | None = None) -> list:
    """Every experiment, paged through."""
    from mlflow.entities import ViewType

    view = ViewType.ACTIVE_ONLY if active_only else ViewType.ALL
    found, token = [], None
    while True:
        page = client.search_experiments(view_type=view, max_results=1000, page_token=token,
                                         order_by=order_by)
        found.extend(page)
        token = page.token
        if not token:
            return found


def model_versions(client, *clauses: Clause | str, limit: int = 1000, order_by: list[str] | None = None) -> list:
    """Registered model versions matching ``clauses`` (at most ``limit``)."""
    text = where(*clauses)
    found = client.search_model_versions(text or None, max_results=limit, order_by=order_by)
    return exact(found, clauses)


# -- counts --------------------------------------------------------------------------------
@dataclass(frozen=True)
class Activity:
    run_count: int
    last_activity: int | None  # epoch milliseconds of the newest run start or end
    capped: bool = False  # run_count is a lower bound (a store that cannot count)


def experiment_activity(client, experiment_ids: list[str]) -> dict[str, Activity]:
    """Run counts and last activity per experiment, without loading every run: one
    ``GROUP BY`` on a SQL store; elsewhere run ids are paged up to ``RUN_COUNT_CAP``."""
    from . import compat

    if not experiment_ids:
        return {}
    sql = compat.sql_store(client)
    if sql is not None:
        ids = [int(eid) for eid in experiment_ids if str(eid).isdigit()]
        found = {eid: Activity(count, last) for eid, count, last in compat.run_activity(sql, ids)}
        return {eid: found.get(str(eid), Activity(0, None)) for eid in experiment_ids}
    return {eid: _paged_activity(client, eid) for eid in experiment_ids}


def _paged_activity(client, experiment_id: str) -> Activity:
    page = client.search_runs([experiment_id], max_results=RUN_COUNT_CAP, order_by=["attributes.start_time DESC"])
    last = None
    if len(page):
        newest = page[0].info
        last = max(filter(None, (newest.start_time, newest.end_time)), default=None)
    return Activity(len(page), last, capped=bool(page.token))


# -- validation ----------------------------------------------------------------------------
def check_filter(text: str) -> str:
    """``text`` if MLflow's run-search grammar accepts it, else InvalidQuery with MLflow's
    reason in plain words."""
    from . import compat

    text = text.strip()
    if text:
        _checked(compat.check_run_filter, text)
    return text


def check_order_by(clause: str) -> str:
    from . import compat

    _checked(compat.check_run_order_by, clause)
    return clause


def _checked(check, text: str) -> None:
    """Run one of compat's parser checks; MLflow's complaint becomes InvalidQuery."""
    from mlflow.exceptions import MlflowException

    try:
        check(text)
    except MlflowException as exc:
        raise InvalidQuery(_plain(exc.message)) from None


def _plain(message: str) -> str:
    """MLflow's parser messages quote Python sets of names; show them as a list."""
    import re

    def listed(match: re.Match) -> str:
        items = sorted(part.strip().strip("'\"") for part in match.group(1).split(","))
        return ", ".join(items)

    return re.sub(r"\{([^{}]*)\}", listed, message)
