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

``deploy(ref, ...)`` and ``undeploy(...)`` (stopping.py) return the same shape (:class:`Deployment`).

The server is MLflow's scoring server (serving.py) with one worker, bound to 127.0.0.1
unless ``host`` says otherwise; it has no authentication.  Our layer around it
(core/monitoring/app.py) answers 413 to a request body over ``max_request_mb`` and checks
each request against the data contract of the version's training data
(core/contracts/deployed.py; ``contract=`` says which and how).  The model is downloaded
to ``<state>/deployments/<name>-<port>.model`` (removed when the deployment stops), its
log is ``<name>-<port>.log`` beside it, the contract it enforces ``<name>-<port>.contract.yaml``.
"""

from __future__ import annotations

import json
import shutil
import socket
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .. import names, store
from ..errors import InvalidInput, NotFound
from ..store import compat
from . import serving
from .deploy_contract import contract_file_for


class DeployError(InvalidInput):
    """Bad input or a server that did not come up; nothing stays deployed half-way."""


class DeployTargetNotFound(DeployError, NotFound):
    """No such registered model, alias, version or deployment."""

    default_code = "not_found"


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
    # how it serves, as deploy() was asked (log, contract, contract_dir, max_request_mb), so
    # a restart or a rollover to another version serves the same way (records from before
    # this field have none: the defaults)
    options: dict = field(default_factory=dict)
    # what deploy() made of contract= (a contracts.deployed.ServingContract); not recorded
    serving_contract: object = field(default=None, repr=False, compare=False)

    def to_dict(self) -> dict:
        found = asdict(self)
        found.pop("serving_contract", None)
        return found

    def record(self) -> str:
        fields = ("name", "version", "alias", "ref", "model_uri", "endpoint", "host", "port", "pid", "machine",
                  "started", "log", "options")
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
    name, alias, version = parse_ref(ref)
    model = store.registered_model_or_none(client, name)
    if model is None:
        known = ", ".join(sorted(m.name for m in client.search_registered_models(max_results=50))) or "none yet"
        raise DeployTargetNotFound(f"No registered model {name!r} (registered: {known}). Use %register first.")
    if alias:
        if alias not in model.aliases:
            have = ", ".join(f"@{a} -> v{v}" for a, v in sorted(model.aliases.items())) or "no aliases"
            raise DeployTargetNotFound(f"Model {name!r} has no alias {alias!r} ({have}).")
        version = str(model.aliases[alias])
    elif version is None:
        raise DeployError(f"Say which version of {name!r} to serve: {name}@ALIAS or {name}/VERSION.")
    found = store.model_version_or_none(client, name, version)
    if found is None:
        raise DeployTargetNotFound(f"Model {name!r} has no version {version}.")
    return found, alias


def list_deployments(client, check_health: bool = True, timeout: float = 0.5, name: str | None = None) -> list[dict]:
    """Every recorded deployment (optionally of one model) with live status; see module docstring."""
    return [d.to_dict() for d in deployments(client, check_health, timeout, name)]


def deployments(client, check_health: bool = True, timeout: float = 0.5, name: str | None = None) -> list[Deployment]:
    if isinstance(client, str):
        client = store.client(client)
    clauses: list[store.Clause | str] = [f"{store.tag(names.DEPLOYMENTS)} LIKE '%'"]
    if name:
        clauses.append(store.equals("name", name))
    found: list[Deployment] = []
    aliases: dict[str, dict] = {}
    for version in store.model_versions(client, *clauses):
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
           timeout: float = 180.0, host: str = serving.HOST, progress=None, log: bool = True,
           monitoring=None, replace: bool = True, contract: str | None = "off", contract_dir: Path | None = None,
           max_request_mb: float | None = None) -> Deployment:
    """Serve the version ``ref`` names on ``host`` (127.0.0.1: this machine only) and record
    it on that version.

    Deploying the same ``NAME@ALIAS`` again replaces the running server on the same port
    (rolling the version the alias points to now).  A port held by anything else is
    refused.  If the new server does not come up, its whole process group is stopped,
    nothing is recorded, and the previous one is started again.  ``progress(phase,
    seconds)`` is called as the start goes on: ``seconds`` is None when a phase begins,
    then the seconds waited for the server, about once a second.
    Options are checked before anything is stopped or started.
    ``log=False`` serves without the prediction log; ``monitoring`` (a
    ``core.monitoring.settings.Monitoring``) sets its rotation and retention.
    ``replace=False`` starts a second server beside a running one of the same ref (on
    another port): a rollover (core/lifecycle) stops the old one once traffic moved.
    ``contract``: ``off``, or None to look up the contract of the version's training data
    (checked in ``log`` mode), or ``reject``/``log``/``NAME``/``MODE:NAME`` (see
    core/contracts/deployed.py); named contracts are read from ``contract_dir``'s
    ``contracts/``.  ``max_request_mb`` (default: ``monitoring.max_request_mb``, 32) caps a
    request body; 0 lifts the cap.  The outcome is on the result's ``serving_contract``.
    """
    try:
        serving.check_options(host, timeout)
    except ValueError as exc:
        raise DeployError(str(exc)) from None
    if port is not None and not 0 < port < 65536:
        raise DeployError(f"--port {port} is not a TCP port (1-65535).")
    if max_request_mb is not None and not (max_request_mb >= 0 and max_request_mb < float("inf")):
        raise DeployError(f"--max-request-mb {max_request_mb} is not a size: give megabytes, e.g. 32 (0: no limit).")
    from ..contracts.deployed import parse_spec, serving_contract

    try:
        parse_spec(contract)
    except InvalidInput as exc:
        raise DeployError(str(exc)) from None
    if tracking_uri is None or state_dir is None:
        from ..config import resolve

        settings = resolve()
        tracking_uri = tracking_uri or settings.tracking_uri
        state_dir = state_dir or settings.state_dir
    state_dir = Path(state_dir)
    client = store.client(tracking_uri)
    version, alias = resolve_version(client, ref)
    name = version.name
    try:  # before anything is stopped: a bad --contract leaves the running server alone
        checked = serving_contract(client, version, contract_dir, contract)
    except (InvalidInput, LookupError) as exc:
        raise DeployError(str(exc)) from None
    ref_text = f"{name}@{alias}" if alias else f"{name}/{version.version}"
    here = socket.gethostname()
    everywhere = deployments(client, check_health=False)
    replaced = next((d for d in everywhere if d.ref == ref_text and d.machine == here), None) if replace else None
    if port is not None:
        on_port = next((d for d in everywhere if d.port == port and d.machine == here
                        and serving.alive(d.pid, d.port)), None)
        if on_port is not None and on_port.ref == ref_text:
            replaced = on_port
        elif serving.port_in_use(port, host):
            raise DeployError(f"Port {port} on {host} is in use" +
                              (f" by {on_port.ref} (v{on_port.version}); `%undeploy {on_port.ref}` first"
                               if on_port else "; choose another --port or leave it out to pick a free one") + ".")
    else:
        port = replaced.port if replaced else serving.free_port(host)
    if replaced is not None:
        _stop(client, replaced)
    for stale in everywhere:  # a dead server's record on this port would show the new one's health
        if stale is not replaced and stale.port == port and stale.machine == here \
                and not serving.alive(stale.pid, stale.port):
            _stop(client, stale)
    options = {"log": log, "contract": contract, "contract_dir": str(contract_dir) if contract_dir else None,
               "max_request_mb": max_request_mb}
    try:
        return _start(client, version, alias, ref_text, port, tracking_uri, state_dir, timeout, host, progress,
                      monitoring, checked, options)
    except serving.ServingError as exc:
        message = f"{ref_text} (v{version.version}) could not be served on port {port}: {exc}"
        if replaced is not None:
            message += "\n" + _restore(client, replaced, tracking_uri, state_dir, timeout)
        raise DeployError(message) from None


# -- pieces -------------------------------------------------------------------------------
def _start(client, version, alias, ref_text, port, tracking_uri, state_dir: Path, timeout, host=serving.HOST,
           progress=None, monitoring=None, checked=None, options: dict | None = None) -> Deployment:
    from ..monitoring.reference import model_id_of
    from ..monitoring.settings import predictions_dir, server_env

    def report(phase: str, seconds: float | None = None) -> None:
        if progress is not None:
            progress(phase, seconds)

    options = options or {}
    log, max_request_mb = options.get("log", True), options.get("max_request_mb")
    model_uri = f"models:/{version.name}/{version.version}"
    log_path = state_dir / "deployments" / f"{_slug(version.name)}-{port}.log"
    model_dir = _model_dir(log_path)
    log_path.parent.mkdir(parents=True, exist_ok=True)
    log_path.write_text("")
    report(f"downloading {model_uri}")
    local_model = _download(model_uri, model_dir, tracking_uri)
    process = None
    try:
        remote = tracking_uri.startswith(("http://", "https://"))  # segments go where teammates read them
        contract_file = contract_file_for(checked, local_model, log_path)
        monitor_env = server_env(monitoring, version.name, str(version.version),
                                 predictions_dir(log_path) if log else None,
                                 model_id_of(version) if remote else None,
                                 f"{names.ARTIFACT_PREDICTIONS}/{port}", max_request_mb, contract_file,
                                 checked.mode if checked is not None else "log")
        process = serving.start(local_model, port, tracking_uri, log_path, host, monitor_env)
        endpoint = f"http://{_local_address(host)}:{port}"
        phase = f"waiting for MLflow's scoring server (pid {process.pid}) to answer {endpoint}/ping"
        report(phase)
        serving.wait_healthy(process, endpoint, log_path, timeout, waiting=lambda seconds: report(phase, seconds))
        deployment = Deployment(
            name=version.name, version=str(version.version), alias=alias, ref=ref_text, model_uri=model_uri,
            endpoint=endpoint, host=host, port=port, pid=process.pid, machine=socket.gethostname(),
            started=int(time.time() * 1000), log=str(log_path), status="healthy", uptime_s=0.0,
            alias_version=str(version.version) if alias else None, options=options, serving_contract=checked)
        _record(client, deployment)
    except BaseException:
        if process is not None:
            serving.stop_started(process)
        shutil.rmtree(model_dir, ignore_errors=True)
        raise
    return deployment


def _model_dir(log_path: Path) -> Path:
    return log_path.with_suffix(".model")


def _download(model_uri: str, model_dir: Path, tracking_uri: str) -> Path:
    """The model's files in ``model_dir``, as ``mlflow models serve`` downloads them before
    it starts the server; returns the folder that holds ``MLmodel``."""
    from mlflow.artifacts import download_artifacts

    shutil.rmtree(model_dir, ignore_errors=True)
    model_dir.mkdir(parents=True)
    try:
        # models:/NAME/VERSION resolves to the LoggedModel's models:/<id>, which MLflow looks
        # up in the fluent store whatever tracking_uri says: point it at ours.
        with compat.fluent_tracking_uri(tracking_uri):
            return Path(download_artifacts(artifact_uri=model_uri, dst_path=str(model_dir),
                                           tracking_uri=tracking_uri, registry_uri=tracking_uri))
    except Exception as exc:  # noqa: BLE001 - a store or file error: reported, like a server that failed
        shutil.rmtree(model_dir, ignore_errors=True)
        raise serving.ServingError(f"its files could not be downloaded from the store ({type(exc).__name__}: "
                                   f"{str(exc)[:300]}).") from None


def _local_address(host: str) -> str:
    """Where this machine reaches a server bound to ``host``."""
    return serving.HOST if host == "0.0.0.0" else host


def _record(client, deployment: Deployment) -> None:
    name, version = deployment.name, deployment.version
    client.set_model_version_tag(name, version, names.DEPLOYMENT_TAG.format(port=deployment.port), deployment.record())
    ports = _ports(client, name, version)
    client.set_model_version_tag(name, version, names.DEPLOYMENTS, ",".join(str(p) for p in sorted(ports)))


def _stop(client, deployment: Deployment) -> None:
    """Stop the process (when it runs here) and remove the record."""
    if deployment.machine == socket.gethostname():
        serving.stop(deployment.pid, deployment.port)
        if deployment.log:
            shutil.rmtree(_model_dir(Path(deployment.log)), ignore_errors=True)
            Path(deployment.log).with_suffix(".contract.yaml").unlink(missing_ok=True)
    name, version = deployment.name, deployment.version
    client.delete_model_version_tag(name, version, names.DEPLOYMENT_TAG.format(port=deployment.port))
    ports = _ports(client, name, version)
    if ports:
        client.set_model_version_tag(name, version, names.DEPLOYMENTS, ",".join(str(p) for p in sorted(ports)))
    else:
        client.delete_model_version_tag(name, version, names.DEPLOYMENTS)


def redeploy(previous: Deployment, ref: str, **kwargs) -> Deployment:
    """``deploy(ref, **kwargs)`` serving as ``previous`` did (same host, prediction log,
    contract mode and body cap): a rollover moves an alias's deployment to another version
    without dropping what ``%deploy`` was told."""
    options = previous.options or {}
    contract_dir = options.get("contract_dir")
    return deploy(ref, host=previous.host or serving.HOST, log=options.get("log", True),
                  contract=options.get("contract", "off"), contract_dir=Path(contract_dir) if contract_dir else None,
                  max_request_mb=options.get("max_request_mb"), **kwargs)


def _restore(client, previous: Deployment, tracking_uri, state_dir, timeout) -> str:
    from ..contracts.deployed import serving_contract

    try:
        old_version = client.get_model_version(previous.name, previous.version)
        options = previous.options or {}
        contract_dir = options.get("contract_dir")
        checked = serving_contract(client, old_version, Path(contract_dir) if contract_dir else None,
                                   options.get("contract", "off"))
        _start(client, old_version, previous.alias, previous.ref, previous.port, tracking_uri, state_dir, timeout,
               previous.host or serving.HOST, checked=checked, options=options)
        return f"The previous server (v{previous.version}) is serving again on port {previous.port}."
    except Exception as exc:  # noqa: BLE001 - report, the original failure is what is raised
        return f"The previous server (v{previous.version}) could not be restarted either: {exc}"


def _ports(client, name: str, version: str) -> set[int]:
    """The ports with a record on the version.  The records (one tag per port) are the truth;
    the searchable list is rewritten from them, so two kernels deploying or stopping at
    the same moment can leave it stale for a write but never hide a record."""
    tags = client.get_model_version(name, version).tags
    prefix = names.DEPLOYMENT_PREFIX
    return {int(k[len(prefix):]) for k in tags if k.startswith(prefix) and k[len(prefix):].isdigit()}


def _aliases(client, name: str) -> dict:
    registered = store.registered_model_or_none(client, name)
    return {} if registered is None else dict(registered.aliases)


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
