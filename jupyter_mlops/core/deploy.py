"""Serve registered model versions locally with MLflow's scoring server, recorded in MLflow.

A deployment is written on the model version that serves: tag ``mlops.deployment.<port>``
holds a JSON record and ``mlops.deployments`` lists the ports, so the server extension
(or any MLflow client) finds deployments without talking to the kernel.

``list_deployments(client, check_health=True)`` returns a list of dicts::

    {"name": "churn", "version": "3", "alias": "champion" | null, "ref": "churn@champion",
     "model_uri": "models:/churn/3", "endpoint": "http://127.0.0.1:5001", "host": "127.0.0.1",
     "port": 5001, "pid": 4242, "machine": "hostname", "started": 1763900000000 (ms),
     "log": "/root/.mlops/deployments/churn-5001.log",
     "status": "healthy" | "unhealthy" | "stopped" | "unknown",  # unknown: another machine
     "uptime_s": 12.5 | null, "alias_version": "4" | null}      # where the alias points now

``deploy(ref, ...)`` and ``undeploy(...)`` return the same shape (:class:`Deployment`).
"""

from __future__ import annotations

import json
import socket
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from . import names, serving, store


class DeployError(ValueError):
    """Bad input or a server that did not come up; nothing stays deployed half-way."""


@dataclass
class Deployment:
    name: str
    version: str
    alias: str | None
    ref: str
    model_uri: str
    endpoint: str
    host: str
    port: int
    pid: int
    machine: str
    started: int
    log: str
    status: str = "unknown"
    uptime_s: float | None = None
    alias_version: str | None = None

    def to_dict(self) -> dict:
        return asdict(self)

    def record(self) -> str:
        fields = ("name", "version", "alias", "ref", "model_uri", "endpoint", "host", "port", "pid", "machine",
                  "started", "log")
        return json.dumps({k: getattr(self, k) for k in fields})


def parse_ref(ref: str) -> tuple[str, str | None, str | None]:
    """``NAME@ALIAS`` -> (name, alias, None); ``NAME/VERSION`` -> (name, None, version);
    ``NAME`` -> (name, None, None)."""
    text = (ref or "").strip()
    text = text.removeprefix("models:/")
    if "@" in text:
        name, alias = text.split("@", 1)
        if name and alias:
            return name, alias, None
    elif "/" in text:
        name, version = text.rsplit("/", 1)
        if name and version.isdigit():
            return name, None, version
    elif text:
        return text, None, None
    raise DeployError(f"{ref!r} is not a model reference: write NAME@ALIAS (e.g. churn@champion) or NAME/VERSION.")


def resolve_version(client, ref: str):
    """The model version ``ref`` names now; DeployError when the model, alias or version does not exist."""
    from mlflow.exceptions import MlflowException

    name, alias, version = parse_ref(ref)
    try:
        model = client.get_registered_model(name)
    except MlflowException:
        known = ", ".join(sorted(m.name for m in client.search_registered_models(max_results=50))) or "none yet"
        raise DeployError(f"No registered model {name!r} (registered: {known}). Use %register first.") from None
    if alias:
        if alias not in model.aliases:
            have = ", ".join(f"@{a} -> v{v}" for a, v in sorted(model.aliases.items())) or "no aliases"
            raise DeployError(f"Model {name!r} has no alias {alias!r} ({have}).")
        version = str(model.aliases[alias])
    elif version is None:
        raise DeployError(f"Say which version of {name!r} to serve: {name}@ALIAS or {name}/VERSION.")
    try:
        return client.get_model_version(name, version), alias
    except MlflowException:
        raise DeployError(f"Model {name!r} has no version {version}.") from None


def list_deployments(client, check_health: bool = True, timeout: float = 0.5, name: str | None = None) -> list[dict]:
    """Every recorded deployment (optionally of one model) with live status; see module docstring."""
    return [d.to_dict() for d in deployments(client, check_health, timeout, name)]


def deployments(client, check_health: bool = True, timeout: float = 0.5, name: str | None = None) -> list[Deployment]:
    if isinstance(client, str):
        client = store.client(client)
    query = f"tags.`{names.DEPLOYMENTS}` LIKE '%'"
    if name:
        query += " and name = '{}'".format(name.replace("'", "\\'"))
    found: list[Deployment] = []
    aliases: dict[str, dict] = {}
    for version in client.search_model_versions(query, max_results=1000):
        for key, value in version.tags.items():
            if not key.startswith(names.DEPLOYMENT_PREFIX):
                continue
            try:
                found.append(Deployment(**json.loads(value)))
            except (TypeError, ValueError):
                continue  # a tag we did not write
    for deployment in found:
        if deployment.alias:
            if deployment.name not in aliases:
                aliases[deployment.name] = _aliases(client, deployment.name)
            target = aliases[deployment.name].get(deployment.alias)
            deployment.alias_version = str(target) if target is not None else None
    if check_health:
        _check_health(found, timeout)
    return sorted(found, key=lambda d: (d.name, d.port))


def deploy(ref: str, *, tracking_uri: str | None = None, port: int | None = None, state_dir: Path | None = None,
           timeout: float = 180.0) -> Deployment:
    """Serve the version ``ref`` names on 127.0.0.1 and record it on that version.

    Deploying the same ``NAME@ALIAS`` again replaces the running server on the same port
    (rolling the version the alias points to now).  A port held by anything else is
    refused.  If the new server does not come up, the previous one is started again.
    """
    if tracking_uri is None or state_dir is None:
        from .config import resolve

        settings = resolve()
        tracking_uri = tracking_uri or settings.tracking_uri
        state_dir = state_dir or settings.state_dir
    state_dir = Path(state_dir)
    client = store.client(tracking_uri)
    version, alias = resolve_version(client, ref)
    name = version.name
    ref_text = f"{name}@{alias}" if alias else f"{name}/{version.version}"
    here = socket.gethostname()
    everywhere = deployments(client, check_health=False)
    replaced = next((d for d in everywhere if d.ref == ref_text and d.machine == here), None)
    if port is not None:
        if not 0 < port < 65536:
            raise DeployError(f"--port {port} is not a TCP port (1-65535).")
        on_port = next((d for d in everywhere if d.port == port and d.machine == here
                        and serving.alive(d.pid, d.port)), None)
        if on_port is not None and on_port.ref == ref_text:
            replaced = on_port
        elif serving.port_in_use(port):
            raise DeployError(f"Port {port} on {serving.HOST} is in use" +
                              (f" by {on_port.ref} (v{on_port.version}); `%undeploy {on_port.ref}` first"
                               if on_port else "; choose another --port or leave it out to pick a free one") + ".")
    else:
        port = replaced.port if replaced else serving.free_port()
    if replaced is not None:
        _stop(client, replaced)
    for stale in everywhere:  # a dead server's record on this port would show the new one's health
        if stale is not replaced and stale.port == port and stale.machine == here \
                and not serving.alive(stale.pid, stale.port):
            _stop(client, stale)
    try:
        return _start(client, version, alias, ref_text, port, tracking_uri, state_dir, timeout)
    except serving.ServingError as exc:
        message = f"{ref_text} (v{version.version}) could not be served on port {port}: {exc}"
        if replaced is not None:
            message += _restore(client, replaced, tracking_uri, state_dir, timeout)
        raise DeployError(message) from None


def undeploy(ref: str | None = None, *, tracking_uri: str | None = None, port: int | None = None) -> list[Deployment]:
    """Stop the deployments of ``ref`` (NAME, NAME@ALIAS or NAME/VERSION) or on ``port``;
    returns what was stopped.  DeployError when nothing matches."""
    from .config import resolve

    client = store.client(tracking_uri or resolve().tracking_uri)
    if ref is None and port is None:
        raise DeployError("Say what to stop: a NAME, NAME@ALIAS, NAME/VERSION or --port PORT.")
    name, alias, version = parse_ref(ref) if ref else (None, None, None)
    matches = [d for d in deployments(client, check_health=False, name=name)
               if (port is None or d.port == port) and (alias is None or d.alias == alias)
               and (version is None or (d.version == version and d.alias is None) or d.ref == ref)]
    if not matches:
        running = ", ".join(f"{d.ref} on port {d.port}" for d in deployments(client, check_health=False)) or "none"
        raise DeployError(f"No deployment of {ref or f'port {port}'} (deployments: {running}).")
    for deployment in matches:
        _stop(client, deployment)
        deployment.status = "stopped"
    return matches


# -- pieces -------------------------------------------------------------------------------
def _start(client, version, alias, ref_text, port, tracking_uri, state_dir: Path, timeout) -> Deployment:
    model_uri = f"models:/{version.name}/{version.version}"
    log_path = state_dir / "deployments" / f"{_slug(version.name)}-{port}.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    log_path.write_text("")
    process = serving.start(model_uri, port, tracking_uri, log_path)
    endpoint = f"http://{serving.HOST}:{port}"
    try:
        serving.wait_healthy(process, endpoint, log_path, timeout)
        deployment = Deployment(
            name=version.name, version=str(version.version), alias=alias, ref=ref_text, model_uri=model_uri,
            endpoint=endpoint, host=serving.HOST, port=port, pid=process.pid, machine=socket.gethostname(),
            started=int(time.time() * 1000), log=str(log_path), status="healthy", uptime_s=0.0,
            alias_version=str(version.version) if alias else None)
        _record(client, deployment)
    except BaseException:
        serving.stop(process.pid, port)
        raise
    return deployment


def _record(client, deployment: Deployment) -> None:
    name, version = deployment.name, deployment.version
    client.set_model_version_tag(name, version, names.DEPLOYMENT_TAG.format(port=deployment.port), deployment.record())
    ports = _ports(client, name, version)
    client.set_model_version_tag(name, version, names.DEPLOYMENTS, ",".join(str(p) for p in sorted(ports)))


def _stop(client, deployment: Deployment) -> None:
    """Stop the process (when it runs here) and remove the record."""
    if deployment.machine == socket.gethostname():
        serving.stop(deployment.pid, deployment.port)
    name, version = deployment.name, deployment.version
    client.delete_model_version_tag(name, version, names.DEPLOYMENT_TAG.format(port=deployment.port))
    ports = _ports(client, name, version)
    if ports:
        client.set_model_version_tag(name, version, names.DEPLOYMENTS, ",".join(str(p) for p in sorted(ports)))
    else:
        client.delete_model_version_tag(name, version, names.DEPLOYMENTS)


def _restore(client, previous: Deployment, tracking_uri, state_dir, timeout) -> str:
    try:
        old_version = client.get_model_version(previous.name, previous.version)
        _start(client, old_version, previous.alias, previous.ref, previous.port, tracking_uri, state_dir, timeout)
        return f" The previous server (v{previous.version}) is serving again on port {previous.port}."
    except Exception as exc:  # noqa: BLE001 - report, the original failure is what is raised
        return f" The previous server (v{previous.version}) could not be restarted either: {exc}"


def _ports(client, name: str, version: str) -> set[int]:
    """The ports with a record on the version.  The records (one tag per port) are the truth;
    the searchable list is rewritten from them, so two kernels deploying or stopping at
    the same moment can leave it stale for a write but never hide a record."""
    tags = client.get_model_version(name, version).tags
    prefix = names.DEPLOYMENT_PREFIX
    return {int(k[len(prefix):]) for k in tags if k.startswith(prefix) and k[len(prefix):].isdigit()}


def _aliases(client, name: str) -> dict:
    from mlflow.exceptions import MlflowException

    try:
        return dict(client.get_registered_model(name).aliases)
    except MlflowException:
        return {}


def _check_health(found: list[Deployment], timeout: float) -> None:
    from concurrent.futures import ThreadPoolExecutor

    here = socket.gethostname()
    now = time.time()

    def check(deployment: Deployment) -> None:
        if deployment.machine != here:
            deployment.status = "unknown"  # 127.0.0.1 there is not 127.0.0.1 here
        elif serving.ping(deployment.endpoint, timeout):
            deployment.status = "healthy"
        else:
            deployment.status = "unhealthy" if serving.alive(deployment.pid, deployment.port) else "stopped"
        deployment.uptime_s = round(now - deployment.started / 1000, 1) if deployment.status != "stopped" else None

    if len(found) <= 1:
        for deployment in found:
            check(deployment)
        return
    with ThreadPoolExecutor(max_workers=min(16, len(found))) as pool:
        list(pool.map(check, found))


def _slug(name: str) -> str:
    import re

    return re.sub(r"[^A-Za-z0-9_.-]+", "_", name)[:80] or "model"
