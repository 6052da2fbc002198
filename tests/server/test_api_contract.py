"""openapi.yaml documents every route and the fields the endpoints really return."""

import re

from jupyter_mlops.server.routes import ROUTES
from mlops_testing import SPEC, schema_keys  # noqa: E402 - one copy of the contract helpers


def as_openapi(pattern: str) -> str:
    return "/" + re.sub(r"\(\?P<(\w+)>[^)]*\)", r"{\1}", pattern)



def test_every_route_is_documented():
    assert sorted(as_openapi(p) for p, _ in ROUTES) == sorted(SPEC["paths"])


async def test_replies_match_the_documented_fields(api, seeded):
    _, settings = await api("settings")
    assert set(settings) == schema_keys("Settings")
    _, experiments = await api("experiments")
    assert set(experiments["experiments"][0]) == schema_keys("Experiment")
    _, runs = await api("runs", experiment_id=seeded["experiment_id"])
    assert set(runs["runs"][0]) == schema_keys("RunSummary")
    _, detail = await api(f"runs/{seeded['runs'][2]}")
    assert set(detail) == schema_keys("RunDetail")
    _, error = await api("runs")
    assert set(error) == schema_keys("Error")
