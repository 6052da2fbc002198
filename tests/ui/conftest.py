"""Browser tests: a real JupyterLab (with our server extension and labextension) on a
temporary root, driven by Playwright through Debian's chromium.  Nothing downloads a
browser: CHROMIUM (default /usr/bin/chromium) must exist (`apt-get install chromium`).
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import expect

from mlops_testing import install_store

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# Assertions wait on their condition up to this long (Playwright's default is 5 s).
expect.set_options(timeout=30_000)
TRACKED_CELL_ID = "tracked-cell-0001"
MLFLOW_UI_URL = "http://127.0.0.1:5999"
NOTEBOOK = "quickstart.ipynb"
# The variables a store or kernel might inherit from the developer's shell.
SCRUBBED = ("MLFLOW_TRACKING_URI", "JUPYTER_MLOPS_ROOT", "JUPYTER_MLOPS_STATE_DIR",
            "JUPYTER_MLOPS_UI_URL", "_MLFLOW_SERVER_ARTIFACT_ROOT", "JUPYTER_CONFIG_DIR")


def quickstart_notebook() -> dict:
    def code(cell_id: str, source: str) -> dict:
        return {"cell_type": "code", "id": cell_id, "metadata": {}, "execution_count": None,
                "outputs": [], "source": source}

    return {
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {
            "kernelspec": {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"},
            "language_info": {"name": "python"},
        },
        "cells": [
            code("load-ext-cell", "%load_ext jupyter_mlops"),
            code("plain-cell", "import pandas as pd\nx = 41"),
            code(TRACKED_CELL_ID, "%%track -m loss\nlr = 0.1\nframe = pd.DataFrame({'a': [1, 2, 3]})\n"
                                  "result = x + 1\nloss = 1 / result\nprint('result', result)"),
            code("after-cell", "print('after')"),
        ],
    }


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_server(url: str, process: subprocess.Popen, log: Path, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"JupyterLab exited with {process.returncode}:\n{log.read_text()[-4000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as reply:
                if reply.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"JupyterLab did not answer within {timeout}s:\n{log.read_text()[-4000:]}")


def start_frontend(base: Path, module: str, extra_env: dict | None = None, store: Path | None = None):
    """Run ``python -m <module>`` (jupyterlab or notebook) on a fresh root (with a copy of
    the migrated ``store`` template as its embedded store); yield its facts."""
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium (never `playwright install`).")
    root, home = base / "root", base / "home"
    root.mkdir()
    home.mkdir()
    if store is not None:
        from jupyter_mlops.core.config import STATE_DIR_NAME

        install_store(store, root / STATE_DIR_NAME / "mlflow.db")
    (root / NOTEBOOK).write_text(json.dumps(quickstart_notebook(), indent=1))
    # A user config folder of its own: no developer settings, no news pop-up in screenshots.
    labconfig = home / "config" / "labconfig"
    labconfig.mkdir(parents=True)
    (labconfig / "page_config.json").write_text(
        json.dumps({"disabledExtensions": {"@jupyterlab/apputils-extension:announcements": True}})
    )
    port, token = free_port(), secrets.token_hex(16)
    env = {k: v for k, v in os.environ.items() if k not in SCRUBBED}
    env.update({
        "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
        "JUPYTER_CONFIG_DIR": str(home / "config"),
        "IPYTHONDIR": str(home / "ipython"),
        "JUPYTER_PLATFORM_DIRS": "1",
        "PYTHONUNBUFFERED": "1",
        # The server and its kernels run this checkout's jupyter_mlops.
        "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])),
        "JUPYTER_MLOPS_UI_URL": MLFLOW_UI_URL,
        **(extra_env or {}),
    })
    app = "LabApp" if module == "jupyterlab" else "JupyterNotebookApp"
    log = base / f"{module}.log"
    command = [
        sys.executable, "-m", module, "--no-browser", f"--port={port}", "--ip=127.0.0.1", "--allow-root",
        f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}",
        f"--{app}.expose_app_in_browser=True", f"--{app}.workspaces_dir={home / 'workspaces'}",
        f"--{app}.user_settings_dir={home / 'settings'}",
    ]
    if module == "jupyterlab":
        command += ["--LabApp.news_url=", "--LabApp.extension_manager=readonly",
                    "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"]
    with open(log, "w") as out:
        process = subprocess.Popen(command, cwd=root, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        url = f"http://127.0.0.1:{port}"
        wait_for_server(f"{url}/api/status?token={token}", process, log)
        yield {"url": url, "token": token, "root": root, "log": log, "notebook": NOTEBOOK,
               "tracked_cell_id": TRACKED_CELL_ID, "artifacts": ARTIFACTS, "ui_url": MLFLOW_UI_URL}
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        ARTIFACTS.mkdir(exist_ok=True)
        shutil.copy(log, ARTIFACTS / log.name)


@pytest.fixture(scope="module")
def lab(tmp_path_factory, store_template):
    """JupyterLab on a temporary root holding the quickstart notebook."""
    yield from start_frontend(tmp_path_factory.mktemp("lab"), "jupyterlab", store=store_template)


@pytest.fixture(scope="module")
def lab_store_down(tmp_path_factory):
    """JupyterLab whose tracking store (an MLflow server URL) does not answer."""
    url = f"http://127.0.0.1:{free_port()}"
    yield from start_frontend(tmp_path_factory.mktemp("down"), "jupyterlab", {"MLFLOW_TRACKING_URI": url})


@pytest.fixture(scope="module")
def notebook7(tmp_path_factory, store_template):
    """Jupyter Notebook 7 on a temporary root holding the quickstart notebook."""
    yield from start_frontend(tmp_path_factory.mktemp("nb7"), "notebook", store=store_template)


def seed_runs(root: Path, experiment: str, count: int) -> str:
    """Insert `count` finished runs through MLflow's own SQL models (seconds, not minutes)."""
    import time
    import uuid

    from mlflow.store.tracking.dbmodels import models as m

    from jupyter_mlops.core import store
    from jupyter_mlops.core.config import STATE_DIR_NAME, Settings, embedded_uri

    state = root / STATE_DIR_NAME
    settings = Settings(embedded_uri(state), root, state, "", True)
    store.prepare(settings)
    client = store.client(settings.tracking_uri)
    experiment_id = store.experiment_id(client, experiment)
    start = int(time.time() * 1000) - count * 1000
    with client._tracking_client.store.ManagedSessionMaker(read_only=False) as session:
        for i in range(count):
            run_id = uuid.uuid4().hex
            session.add(m.SqlRun(
                run_uuid=run_id, name=f"seeded-{i:05d}", source_type="NOTEBOOK", source_name=experiment,
                entry_point_name="", user_id="test", status="FINISHED", start_time=start + i * 1000,
                end_time=start + i * 1000 + 250, source_version="", lifecycle_stage="active",
                artifact_uri=str(state / "artifacts" / run_id), experiment_id=int(experiment_id),
            ))
            session.add(m.SqlParam(key="i", value=str(i), run_uuid=run_id))
            session.add(m.SqlLatestMetric(key="score", value=i / count, timestamp=start, step=0,
                                          is_nan=False, run_uuid=run_id))
    return experiment_id


@pytest.fixture
def seeder():
    return seed_runs


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser, request):
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    context.set_default_timeout(60_000)  # a busy machine is slow, not wrong
    page = context.new_page()
    messages: list[str] = []
    page.on("console", lambda msg: messages.append(f"{msg.type}: {msg.text}"))
    page.on("pageerror", lambda error: messages.append(f"pageerror: {error}"))
    yield page
    ARTIFACTS.mkdir(exist_ok=True)
    if request.node.rep_call.failed if hasattr(request.node, "rep_call") else False:
        page.screenshot(path=str(ARTIFACTS / f"failed-{request.node.name}.png"))
    (ARTIFACTS / f"console-{request.node.name}.log").write_text("\n".join(messages))
    context.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


class Frontend:
    """Drives JupyterLab or Notebook 7 through the page and `window.jupyterapp`."""

    ACTIVE_CELL_ID = """() => {
      const panel = window.jupyterapp.shell.currentWidget;
      const cell = panel && panel.content && panel.content.activeCell;
      return cell ? cell.model.id : null;
    }"""
    NOTEBOOK_READY = """(count) => {
      const panel = window.jupyterapp && window.jupyterapp.shell.currentWidget;
      const kernel = panel && panel.sessionContext && panel.sessionContext.session
        && panel.sessionContext.session.kernel;
      return !!panel && !!panel.content && panel.content.widgets.length === count
        && !!kernel && kernel.status === 'idle';
    }"""

    def __init__(self, page, server: dict, notebook_url: str):
        self.page, self.server, self.notebook_url = page, server, notebook_url

    def open_notebook(self, cells: int = 4) -> None:
        self.page.goto(f"{self.server['url']}/{self.notebook_url}/{NOTEBOOK}?token={self.server['token']}&reset")
        self.page.wait_for_function(self.NOTEBOOK_READY, arg=cells, timeout=90_000)

    def command(self, name: str, args: dict | None = None) -> None:
        self.page.evaluate("([name, args]) => window.jupyterapp.commands.execute(name, args)", [name, args or {}])

    def active_cell_id(self):
        return self.page.evaluate(self.ACTIVE_CELL_ID)

    def wait_for_active_cell(self, cell_id: str) -> None:
        self.page.wait_for_function(f"() => ({self.ACTIVE_CELL_ID})() === {json.dumps(cell_id)}", timeout=60_000)

    def select_cell(self, index: int) -> None:
        self.page.evaluate(
            "(i) => { window.jupyterapp.shell.currentWidget.content.activeCellIndex = i; }", index
        )

    def sidebar(self):
        self.page.wait_for_function(
            "() => window.jupyterapp && window.jupyterapp.commands.hasCommand('jupyter-mlops:open-sidebar')",
            timeout=60_000,
        )
        self.page.evaluate("() => window.jupyterapp.restored.then(() => true)")  # layout restored
        self.command("jupyter-mlops:open-sidebar")
        sidebar = self.page.locator("#jupyter-mlops-sidebar")
        expect(sidebar).to_be_visible(timeout=60_000)
        return sidebar


@pytest.fixture
def lab_ui(page, lab):
    return Frontend(page, lab, "lab/tree")


@pytest.fixture
def nb7_ui(page, notebook7):
    return Frontend(page, notebook7, "notebooks")


@pytest.fixture
def store_down_ui(page, lab_store_down):
    return Frontend(page, lab_store_down, "lab/tree")
