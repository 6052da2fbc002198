"""Stable endpoints and rollovers: ``NAME@ALIAS`` keeps one address across versions.

``open_endpoint("churn@champion", port=8080)`` puts a proxy (proxy.py) on the port in
front of the alias's scoring server (the ``%deploy`` deployment of ``churn@champion``,
started if there is none).  ``rollover(name, alias)`` brings the endpoint to the version
the alias points to now, with no failed request:

1. start the new version's server beside the old one (``deploy(replace=False)``: its own
   port, its own prediction log) and wait for its health check;
2. switch the proxy's upstream (one assignment), wait for the requests still at the old
   server to finish;
3. stop the old server and remove its record.

Without an endpoint, a rollover redeploys each ``NAME@ALIAS`` deployment in place (a
short gap while the new server starts: open an endpoint for none).

The endpoint is recorded on the registered model (tag ``mlops.endpoint.<alias>``, JSON of
:class:`Endpoint`), so the sidebar and other processes find it; its token (which the
proxy requires to switch) is a 0600 file in ``<state>/endpoints/``.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import asdict, dataclass
from pathlib import Path

from .. import names, store
from ..errors import Conflict, InvalidInput, NotFound, Unavailable
from ..models import deploy as deploying
from ..models import serving, stopping
from ..models.stopping import PROXY_MODULE as MODULE
from ..models.stopping import proxy_alive


@dataclass
class Endpoint:
    name: str
    alias: str
    port: int
    host: str
    pid: int
    machine: str
    upstream: str  # the scoring server it forwards to now
    version: str  # the version that server serves
    started: int  # ms
    log: str
    token_file: str

    @property
    def url(self) -> str:
        return f"http://{serving.HOST if self.host == '0.0.0.0' else self.host}:{self.port}"

    def to_dict(self) -> dict:
        return {**asdict(self), "url": self.url}


def _settings(tracking_uri, state_dir):
    if tracking_uri is None or state_dir is None:
        from ..config import resolve

        settings = resolve()
        tracking_uri = tracking_uri or settings.tracking_uri
        state_dir = state_dir or settings.state_dir
    return tracking_uri, Path(state_dir)


def split_ref(ref: str) -> tuple[str, str]:
    name, alias, _ = deploying.parse_ref(ref)
    if alias is None:
        raise InvalidInput(f"{ref!r}: an endpoint follows an alias; write NAME@ALIAS (e.g. churn@champion).")
    return name, alias


def endpoint_of(client, name: str, alias: str) -> Endpoint | None:
    """The endpoint recorded for ``NAME@ALIAS`` when its proxy runs on this machine, else None."""
    model = store.registered_model_or_none(client, name)
    raw = model.tags.get(names.ENDPOINT_TAG.format(alias=alias)) if model is not None else None
    if not raw:
        return None
    try:
        found = Endpoint(**json.loads(raw))
    except (TypeError, ValueError):
        return None
    return found if found.machine == socket.gethostname() and proxy_alive(found.pid, found.port) else None


def status(endpoint: Endpoint, timeout: float = 2.0) -> dict | None:
    try:
        with urllib.request.urlopen(f"{endpoint.url}/-/mlops/endpoint", timeout=timeout) as answer:
            return json.loads(answer.read())
    except (OSError, ValueError):
        return None


def open_endpoint(ref: str, *, port: int | None = None, host: str = serving.HOST, tracking_uri: str | None = None,
                  state_dir: Path | None = None, timeout: float = 180.0) -> Endpoint:
    """A stable endpoint for ``NAME@ALIAS`` (the running one if there is one); see the module docstring."""
    tracking_uri, state_dir = _settings(tracking_uri, state_dir)
    client = store.client(tracking_uri)
    name, alias = split_ref(ref)
    existing = endpoint_of(client, name, alias)
    if existing is not None:
        if port is not None and port != existing.port:
            raise Conflict(f"{name}@{alias} has an endpoint on port {existing.port} already; close it first.")
        return existing
    if port is not None and serving.port_in_use(port, host):
        raise Conflict(f"Port {port} on {host} is in use; choose another port or leave it out to pick a free one.")
    serving_now = _serving(client, name, alias)
    backing = serving_now if serving_now is not None else deploying.deploy(
        ref, tracking_uri=tracking_uri, state_dir=state_dir, timeout=timeout, replace=False)
    port = port or serving.free_port(host)
    folder = state_dir / "endpoints"
    folder.mkdir(parents=True, exist_ok=True)
    slug = re.sub(r"[^A-Za-z0-9_.-]+", "_", name)[:80] + f"@{alias}"
    token_file = folder / f"{slug}.token"
    token_file.touch(mode=0o600)
    token_file.write_text(secrets.token_hex(24))
    log = folder / f"{slug}-{port}.log"
    argv = [sys.executable, "-m", MODULE, "--host", host, "--port", str(port), "--upstream", backing.endpoint,
            "--token-file", str(token_file), "--label", f"{name}@{alias}"]
    with open(log, "ab") as out:
        process = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                   start_new_session=True)
    found = Endpoint(name=name, alias=alias, port=port, host=host, pid=process.pid, machine=socket.gethostname(),
                     upstream=backing.endpoint, version=backing.version, started=int(time.time() * 1000),
                     log=str(log), token_file=str(token_file))
    deadline = time.monotonic() + 30
    while status(found, timeout=0.5) is None:
        if process.poll() is not None or time.monotonic() > deadline:
            _stop_proxy(process.pid, port)
            raise Unavailable(f"The endpoint proxy for {name}@{alias} did not start on port {port}.\n"
                              f"{serving.log_summary(log)}")
        time.sleep(0.05)
    _record(client, found)
    return found


def close_endpoint(ref: str, *, tracking_uri: str | None = None) -> Endpoint:
    """Stop the proxy of ``NAME@ALIAS`` (its scoring server keeps running: ``%undeploy`` stops it)."""
    tracking_uri, _ = _settings(tracking_uri, Path("."))
    client = store.client(tracking_uri)
    name, alias = split_ref(ref)
    found = endpoint_of(client, name, alias)
    if found is None:
        raise NotFound(f"{name}@{alias} has no endpoint on this machine.")
    _stop_proxy(found.pid, found.port)
    client.delete_registered_model_tag(name, names.ENDPOINT_TAG.format(alias=alias))
    return found


def switch(endpoint: Endpoint, upstream: str, drain: float = 60.0) -> dict:
    """Point the proxy at ``upstream``; returns once the old upstream has no request in flight."""
    token = Path(endpoint.token_file).read_text().strip()
    request = urllib.request.Request(f"{endpoint.url}/-/mlops/upstream", method="POST",
                                     data=json.dumps({"upstream": upstream, "drain": drain}).encode(),
                                     headers={"content-type": "application/json", "X-MLOps-Token": token})
    with urllib.request.urlopen(request, timeout=drain + 10) as answer:  # noqa: S310 - our own proxy
        return json.loads(answer.read())


def rollover(name: str, alias: str, *, tracking_uri: str | None = None, state_dir: Path | None = None,
             timeout: float = 180.0) -> dict:
    """Serve the version ``NAME@ALIAS`` points to now; see the module docstring.  Returns
    ``{"mode": "switched" | "restarted" | "current" | "none", "from_version", "to_version",
    "seconds", "endpoint"}``."""
    tracking_uri, state_dir = _settings(tracking_uri, state_dir)
    client = store.client(tracking_uri)
    started = time.monotonic()
    model = store.registered_model_or_none(client, name)
    if model is None or alias not in model.aliases:
        raise NotFound(f"Model {name!r} has no alias {alias!r}.")
    target = str(model.aliases[alias])
    ref = f"{name}@{alias}"
    found = endpoint_of(client, name, alias)
    if found is None:
        here = [d for d in deploying.deployments(client, check_health=False, name=name)
                if d.alias == alias and d.machine == socket.gethostname()]
        for each in here:  # each serves as %deploy was told (contract, log, body cap)
            deploying.redeploy(each, ref, tracking_uri=tracking_uri, state_dir=state_dir, port=each.port,
                               timeout=timeout)
        return {"mode": "restarted" if here else "none", "from_version": here[0].version if here else None,
                "to_version": target, "seconds": time.monotonic() - started, "endpoint": None}
    old = next((d for d in deploying.deployments(client, check_health=False, name=name)
                if d.endpoint == found.upstream), None)
    if old is not None and old.version == target and serving.ping(old.endpoint):
        return {"mode": "current", "from_version": target, "to_version": target, "seconds": 0.0,
                "endpoint": found.url}
    fresh = deploying.redeploy(old, ref, tracking_uri=tracking_uri, state_dir=state_dir, timeout=timeout,
                               replace=False) if old is not None else \
        deploying.deploy(ref, tracking_uri=tracking_uri, state_dir=state_dir, timeout=timeout, replace=False)
    drained = switch(found, fresh.endpoint)
    if old is not None:
        stopping.undeploy(tracking_uri=tracking_uri, port=old.port, force=True)  # the proxy has moved on
    found.upstream, found.version = fresh.endpoint, fresh.version
    _record(client, found)
    return {"mode": "switched", "from_version": old.version if old else found.version, "to_version": target,
            "seconds": time.monotonic() - started, "endpoint": found.url, "drained": drained.get("drained")}


def _serving(client, name: str, alias: str):
    """The healthy deployment of NAME@ALIAS on this machine serving the alias's version."""
    here = [d for d in deploying.deployments(client, check_health=True, name=name)
            if d.alias == alias and d.machine == socket.gethostname() and d.status == "healthy"]
    return next((d for d in here if d.version == d.alias_version), here[0] if here else None)


def _record(client, found: Endpoint) -> None:
    client.set_registered_model_tag(found.name, names.ENDPOINT_TAG.format(alias=found.alias),
                                    json.dumps(asdict(found)))


def _stop_proxy(pid: int, port: int) -> None:
    if not proxy_alive(pid, port):
        return
    try:
        os.killpg(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and proxy_alive(pid, port):
        try:
            os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            pass
        time.sleep(0.05)
    if proxy_alive(pid, port):
        os.killpg(pid, signal.SIGKILL)
