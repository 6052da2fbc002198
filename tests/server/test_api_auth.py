"""Every route the extension registers refuses a request without a token, and a POST
without the XSRF token or the auth header."""

import re

import pytest
from tornado.httpclient import HTTPClientError

from jupyter_mlops.server.routes import ROUTES


def concrete(pattern: str) -> str:
    """A path that the route pattern matches, its groups filled in."""
    return re.sub(r"\(\?P<\w+>[^)]*\)", "x1", pattern)


ROUTE_PATHS = [concrete(pattern) for pattern, _ in ROUTES] + ["not-a-route"]


def test_every_route_is_covered():
    assert len(ROUTE_PATHS) == len(ROUTES) + 1 and "runs/x1/metrics/x1" in ROUTE_PATHS


@pytest.mark.parametrize("path", ROUTE_PATHS)
async def test_get_without_token_is_refused(jp_fetch, path):
    with pytest.raises(HTTPClientError) as refused:
        await jp_fetch("jupyter-mlops", "api", *path.split("/"), headers={"Authorization": ""}, request_timeout=120)
    assert refused.value.code == 403


@pytest.mark.parametrize("path", ROUTE_PATHS)
async def test_post_without_xsrf_or_auth_is_refused(jp_fetch, path):
    with pytest.raises(HTTPClientError) as refused:
        await jp_fetch(
            "jupyter-mlops", "api", *path.split("/"), method="POST", body="{}",
            headers={"Authorization": "", "Cookie": "_xsrf=abc"}, request_timeout=120,
        )
    assert refused.value.code == 403


def _patterns(router):
    for rule in getattr(router, "rules", []):
        regex = getattr(rule.matcher, "regex", None)
        if regex is not None:
            yield regex.pattern
        yield from _patterns(rule.target)


async def test_registered_routes_match_the_table(jp_serverapp):
    """The walk above covers every route the extension really registered."""
    from jupyter_mlops.server.routes import NAMESPACE

    patterns = [p for p in _patterns(jp_serverapp.web_app.default_router) if NAMESPACE in p]
    assert len(patterns) == len(ROUTES) + 1, patterns


async def test_with_token_routes_answer_json(jp_fetch):
    response = await jp_fetch("jupyter-mlops", "api", "settings", request_timeout=120)
    assert response.code == 200 and response.headers["Content-Type"].startswith("application/json")
