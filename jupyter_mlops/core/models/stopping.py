"""Stopping deployments: ``undeploy(ref | port)`` and ``undeploy_all()``.

A server that a live stable endpoint (core/lifecycle/endpoint.py) forwards to is not
stopped unless asked with ``force``: the endpoint's clients would get errors.  Every
deployment asked for is checked before any is stopped.
"""

from __future__ import annotations

import json
import socket
from pathlib import Path

from .. import names, store
from .deploy import DeployError, Deployment, DeployTargetNotFound, _stop, deployments, parse_ref

PROXY_MODULE = "jupyter_mlops.core.lifecycle.proxy"  # what core/lifecycle/endpoint.py starts


def undeploy(ref: str | None = None, *, tracking_uri: str | None = None, port: int | None = None,
             force: bool = False) -> list[Deployment]:
    """Stop the deployments of ``ref`` (NAME, NAME@ALIAS or NAME/VERSION) or on ``port``;
    returns what was stopped.  DeployError when nothing matches, and (unless ``force``)
    before stopping anything when a stable endpoint (core/lifecycle/endpoint.py) on this
    machine forwards to one of them: its clients would get errors."""
    from ..config import resolve

    client = store.client(tracking_uri or resolve().tracking_uri)
    if ref is None and port is None:
        raise DeployError("Say what to stop: a NAME, NAME@ALIAS, NAME/VERSION or --port PORT.")
    name, alias, version = parse_ref(ref) if ref else (None, None, None)
    matches = [d for d in deployments(client, check_health=False, name=name)
               if (port is None or d.port == port) and (alias is None or d.alias == alias)
               and (version is None or (d.version == version and d.alias is None) or d.ref == ref)]
    if not matches:
        running = ", ".join(f"{d.ref} on port {d.port}" for d in deployments(client, check_health=False)) or "none"
        raise DeployTargetNotFound(f"No deployment of {ref or f'port {port}'} (deployments: {running}).")
    return _stop_all(client, matches, force)


def undeploy_all(*, tracking_uri: str | None = None, force: bool = False) -> list[Deployment]:
    """Stop every recorded deployment; as :func:`undeploy`, nothing stops when one of them
    is behind a live endpoint (unless ``force``)."""
    from ..config import resolve

    client = store.client(tracking_uri or resolve().tracking_uri)
    return _stop_all(client, deployments(client, check_health=False), force)


def _stop_all(client, matches: list[Deployment], force: bool) -> list[Deployment]:
    if not force:  # every one is checked before any is stopped
        for deployment in matches:
            front = _endpoint_in_front(client, deployment)
            if front is not None:
                raise DeployError(f"The endpoint of {deployment.name}@{front['alias']} on port {front['port']} "
                                  f"forwards to {deployment.ref} (port {deployment.port}); stopping it would fail "
                                  f"the endpoint's requests. Close the endpoint first (`%endpoint "
                                  f"{deployment.name}@{front['alias']} --close`), or stop it anyway with --force.")
    for deployment in matches:
        _stop(client, deployment)
        deployment.status = "stopped"
    return matches


def _endpoint_in_front(client, deployment: Deployment) -> dict | None:
    """The record of a running endpoint proxy on this machine whose upstream is ``deployment``."""
    model = store.registered_model_or_none(client, deployment.name)
    prefix = names.ENDPOINT_TAG.format(alias="")
    for key, value in (model.tags.items() if model is not None else []):
        if not key.startswith(prefix):
            continue
        try:
            found = json.loads(value)
        except ValueError:
            continue
        if isinstance(found, dict) and found.get("upstream") == deployment.endpoint \
                and found.get("machine") == socket.gethostname() and proxy_alive(found.get("pid"), found.get("port")):
            return found
    return None


def proxy_alive(pid, port) -> bool:
    """Whether process ``pid`` is the endpoint proxy on ``port`` (its command line says so: a
    pid alone may have been reused by another process since the record was written)."""
    try:
        cmdline = Path(f"/proc/{int(pid)}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except (OSError, TypeError, ValueError):
        return False
    return PROXY_MODULE in cmdline and f"--port {port} " in cmdline + " "
