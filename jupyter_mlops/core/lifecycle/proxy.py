"""The stable endpoint: a small reverse proxy whose port stays while versions change.

``python -m jupyter_mlops.core.lifecycle.proxy --port P --upstream URL --token-file F``
forwards every request (method, path, query, body, headers less hop-by-hop ones) to the
upstream scoring server and returns its answer unchanged.  Control, on the same port:

- ``POST /-/mlops/upstream`` with header ``X-MLOps-Token`` (the token file's text) and
  ``{"upstream": URL, "drain": seconds}`` switches the upstream in one assignment: requests
  that arrive after it go to the new server; the answer comes once the requests still at
  the old one are done (``drained``), so the caller can stop the old server then;
- ``GET /-/mlops/endpoint``: the upstream, requests in flight, requests served.

A request that cannot connect to its upstream (stopped between the switch and the
connect) is sent again to the current upstream, so a rollover loses no request.
"""

from __future__ import annotations

import argparse
import asyncio
import hmac
import json
import os
import sys
from collections import Counter
from pathlib import Path
from typing import Any

CONTROL = "/-/mlops/"
TOKEN_HEADER = "X-MLOps-Token"
HOP_BY_HOP = {"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailers",
              "transfer-encoding", "upgrade", "host", "content-length"}


class Proxy:
    def __init__(self, upstream: str, token: str):
        self.upstream = upstream.rstrip("/")
        self.token = token
        self.inflight: Counter[str] = Counter()
        self.served = 0
        self.switches = 0
        self.session: Any = None

    async def start(self, app) -> None:
        import aiohttp

        self.session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=0, keepalive_timeout=30),
            timeout=aiohttp.ClientTimeout(total=None, sock_connect=5), auto_decompress=False)

    async def stop(self, app) -> None:
        if self.session is not None:
            await self.session.close()

    async def handle(self, request):
        import aiohttp
        from aiohttp import web

        if request.path.startswith(CONTROL):
            return await self.control(request)
        body = await request.read()
        headers = {k: v for k, v in request.headers.items() if k.lower() not in HOP_BY_HOP}
        for attempt in range(3):
            upstream = self.upstream
            self.inflight[upstream] += 1
            try:
                async with self.session.request(request.method, upstream + request.rel_url.raw_path_qs,
                                                data=body, headers=headers, allow_redirects=False) as answer:
                    payload = await answer.read()
                    out = {k: v for k, v in answer.headers.items() if k.lower() not in HOP_BY_HOP}
                    self.served += 1
                    return web.Response(status=answer.status, body=payload, headers=out)
            except (OSError, asyncio.TimeoutError, aiohttp.ClientConnectionError) as exc:
                if attempt == 2:
                    return web.json_response({"error_code": "UPSTREAM_UNAVAILABLE",
                                              "message": f"the model server at {upstream} did not answer: {exc}"},
                                             status=502)
                if upstream == self.upstream:
                    await asyncio.sleep(0.05 * (attempt + 1))
            finally:
                self.inflight[upstream] -= 1
                if not self.inflight[upstream]:
                    del self.inflight[upstream]
        raise AssertionError("unreachable")

    async def control(self, request):
        from aiohttp import web

        if request.path == CONTROL + "endpoint" and request.method == "GET":
            return web.json_response({"upstream": self.upstream, "inflight": sum(self.inflight.values()),
                                      "served": self.served, "switches": self.switches, "pid": os.getpid()})
        if request.path == CONTROL + "upstream" and request.method == "POST":
            if not hmac.compare_digest(request.headers.get(TOKEN_HEADER, ""), self.token):
                return web.json_response({"message": "wrong or missing token"}, status=403)
            try:
                asked = await request.json()
                new = str(asked["upstream"]).rstrip("/")
                drain = float(asked.get("drain", 30))
            except (ValueError, KeyError, TypeError):
                return web.json_response({"message": 'send {"upstream": URL, "drain": seconds}'}, status=400)
            previous, self.upstream = self.upstream, new
            self.switches += 1
            waited = 0.0
            while self.inflight.get(previous) and previous != new and waited < drain:
                await asyncio.sleep(0.01)
                waited += 0.01
            return web.json_response({"previous": previous, "upstream": new,
                                      "drained": not self.inflight.get(previous) or previous == new})
        return web.json_response({"message": f"no control route {request.method} {request.path}"}, status=404)


def app_for(upstream: str, token: str):
    from aiohttp import web

    proxy = Proxy(upstream, token)
    app = web.Application(client_max_size=1 << 30)
    app.on_startup.append(proxy.start)
    app.on_cleanup.append(proxy.stop)
    app.router.add_route("*", "/{tail:.*}", proxy.handle)
    return app


def main(argv: list[str] | None = None) -> int:
    from aiohttp import web

    parser = argparse.ArgumentParser(prog="python -m jupyter_mlops.core.lifecycle.proxy")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--upstream", required=True)
    parser.add_argument("--token-file", required=True)
    parser.add_argument("--label", default="", help="what it serves, for ps")
    args = parser.parse_args(argv)
    token = Path(args.token_file).read_text().strip()
    print(json.dumps({"listening": f"http://{args.host}:{args.port}", "upstream": args.upstream}), flush=True)
    web.run_app(app_for(args.upstream, token), host=args.host, port=args.port, access_log=None,
                print=None, reuse_address=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
