"""Zero-downtime promotion and rollback behind a stable endpoint, under 50 requests/s."""

from __future__ import annotations

import time

import pytest

from jupyter_mlops.core import lifecycle
from jupyter_mlops.core.lifecycle import audit
from mlops_testing import client


def wait_for(load, value: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while (not load.answers or load.answers[-1] != value) and time.monotonic() < deadline:
        time.sleep(0.05)


@pytest.mark.slow
def test_promotion_and_rollback_under_load_fail_no_request(constant_versions, servers, load_client):
    v1, v2 = constant_versions
    endpoint = lifecycle.open_endpoint("flip@live")
    assert endpoint.version == v1 and lifecycle.open_endpoint("flip@live").port == endpoint.port  # the same one
    with load_client(endpoint.url) as load:
        time.sleep(1.0)
        moved = lifecycle.promote("flip", v2, "live", force=True)
        wait_for(load, 1)
        time.sleep(0.5)
        switched = len(load.answers)
        back = lifecycle.rollback("flip", "live")
        wait_for(load, 0)
        time.sleep(0.5)
    assert load.failures == [], load.failures[:5]
    assert len(load.answers) > 100, "the client was not sending the whole time"
    assert load.answers[0] == 0 and load.answers[switched - 1] == 1 and load.answers[-1] == 0
    # monotone: 0s, then 1s, then 0s: each switch is atomic
    changes = [i for i in range(1, len(load.answers)) if load.answers[i] != load.answers[i - 1]]
    assert len(changes) == 2, changes
    assert (moved["from_version"], moved["to_version"], moved["forced"]) == (v1, v2, True)
    assert moved["rollover"]["mode"] == "switched" and moved["rollover"]["drained"]
    assert (back["from_version"], back["to_version"]) == (v2, v1) and back["alias_seconds"] < 1.0
    assert str(client().get_registered_model("flip").aliases["live"]) == v1
    # one scoring server left, serving v1, behind the same port
    from jupyter_mlops.core.models.deploy import deployments

    [left] = deployments(client(), check_health=True, name="flip")
    assert (left.version, left.status) == (v1, "healthy")
    assert lifecycle.endpoint_of(client(), "flip", "live").port == endpoint.port
    # the audit: a forced promotion, then a rollback, newest first
    decisions = [(d.decision, d.from_version, d.to_version, d.forced) for d in audit.history(client(), "flip")]
    assert decisions == [("rolled_back", v2, v1, False), ("promoted", v1, v2, True)]
    status = lifecycle.model_status("flip")
    assert status["aliases"] == {"live": v1} and status["endpoints"]["live"]["status"]["switches"] == 2

    # the server behind a live endpoint is not stopped by accident: close the endpoint first
    from jupyter_mlops.core.models.deploy import DeployError
    from jupyter_mlops.core.models.stopping import undeploy, undeploy_all

    with pytest.raises(DeployError, match=rf"endpoint of flip@live on port {endpoint.port} forwards to flip@live.*"
                                          r"`%endpoint flip@live --close`.*--force"):
        undeploy("flip@live")
    with pytest.raises(DeployError, match="forwards to flip@live"):
        undeploy_all()  # checked before anything stops
    assert deployments(client(), check_health=True, name="flip")[0].status == "healthy"
    lifecycle.close_endpoint("flip@live")
    assert [d.version for d in undeploy("flip@live")] == [v1]


@pytest.mark.slow
def test_moving_an_alias_without_the_gate_needs_force(constant_versions):
    from jupyter_mlops.core.errors import InvalidInput, NotFound

    with pytest.raises(InvalidInput, match="No policy for 'flip'.*--force"):
        lifecycle.promote("flip", "2", "live", rollover=False)
    with pytest.raises(NotFound, match="no version 7"):
        lifecycle.promote("flip", "7", "live", force=True, rollover=False)
    assert str(client().get_registered_model("flip").aliases["live"]) == "1"
    assert audit.history(client(), "flip") == []
