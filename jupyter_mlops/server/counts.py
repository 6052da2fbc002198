"""Run counts and last activity per experiment, without loading every run.

On a SQL tracking store one ``GROUP BY`` answers for all experiments at once.  On any
other store (``http://`` tracking servers) MLflow has no count call, so we page run ids
up to a cap and say when the count is a lower bound.
"""

from __future__ import annotations

from dataclasses import dataclass

# Above this many runs a non-SQL store reports "at least COUNT_CAP".
COUNT_CAP = 1000


@dataclass(frozen=True)
class Activity:
    run_count: int
    last_activity: int | None  # epoch milliseconds of the newest run start or end
    capped: bool = False


def experiment_activity(client, experiment_ids: list[str]) -> dict[str, Activity]:
    if not experiment_ids:
        return {}
    store = _sql_store(client)
    if store is not None:
        return _sql_activity(store, experiment_ids)
    return {eid: _paged_activity(client, eid) for eid in experiment_ids}


def _sql_store(client):
    from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore

    store = getattr(getattr(client, "_tracking_client", None), "store", None)
    return store if isinstance(store, SqlAlchemyStore) else None


def _sql_activity(store, experiment_ids: list[str]) -> dict[str, Activity]:
    from mlflow.entities import LifecycleStage
    from mlflow.store.tracking.dbmodels.models import SqlRun
    from sqlalchemy import func

    ids = [int(eid) for eid in experiment_ids if str(eid).isdigit()]
    newest = func.max(func.coalesce(SqlRun.end_time, SqlRun.start_time))
    with store.ManagedSessionMaker() as session:
        rows = (
            session.query(SqlRun.experiment_id, func.count(SqlRun.run_uuid), newest)
            .filter(SqlRun.experiment_id.in_(ids))
            .filter(SqlRun.lifecycle_stage == LifecycleStage.ACTIVE)
            .group_by(SqlRun.experiment_id)
            .all()
        )
    found = {str(eid): Activity(int(count), int(last) if last else None) for eid, count, last in rows}
    return {eid: found.get(str(eid), Activity(0, None)) for eid in experiment_ids}


def _paged_activity(client, experiment_id: str) -> Activity:
    page = client.search_runs(
        [experiment_id], max_results=COUNT_CAP, order_by=["attributes.start_time DESC"]
    )
    last = None
    if len(page):
        newest = page[0].info
        last = max(filter(None, (newest.start_time, newest.end_time)), default=None)
    return Activity(len(page), last, capped=bool(page.token))
