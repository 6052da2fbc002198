"""Fixtures for the lifecycle tests: registered versions that answer differently, a
holdout file, and cleanup of every scoring server and endpoint proxy a test started."""

from __future__ import annotations

import threading
import time

import numpy as np
import pandas as pd
import pytest
import requests


def frame(n: int = 400, seed: int = 0, shift: float = 0.0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    data = pd.DataFrame({"a": rng.normal(shift, 1, n), "b": rng.normal(0, 1, n)})
    data["y"] = (data.a + 0.5 * data.b > shift).astype(int)
    return data


def register(model, name: str, *, alias: str | None = None, example=None) -> str:
    from jupyter_mlops.core.config import resolve
    from jupyter_mlops.core.models.registry import register_model

    example = frame(5)[["a", "b"]] if example is None else example
    reg = register_model(model, name, tracking_uri=resolve().tracking_uri, aliases=[alias] if alias else [],
                         input_example=example, reference=frame(200)[["a", "b"]])
    return reg.version


@pytest.fixture
def versions(mlops_root):
    """``churn`` v1 (a logistic regression, @champion) and v2 (always 0: worse), and a holdout."""
    from sklearn.dummy import DummyClassifier
    from sklearn.linear_model import LogisticRegression

    train = frame(400, 0)
    good = LogisticRegression().fit(train[["a", "b"]], train.y)
    worse = DummyClassifier(strategy="constant", constant=0).fit(train[["a", "b"]], train.y)
    (mlops_root / "data").mkdir()
    frame(300, 1).to_csv(mlops_root / "data" / "holdout.csv", index=False)
    train.to_csv(mlops_root / "data" / "train.csv", index=False)
    return register(good, "churn", alias="champion"), register(worse, "churn")


CHURN_POLICY = """\
model: churn
triggers:
  drift: true
  data: [data/train.csv]
retrain:
  notebook: train.ipynb
gate:
  holdout: data/holdout.csv
  target: y
  metric: accuracy
"""


def write_policy(root, text: str = CHURN_POLICY):
    """``policies/churn.yaml`` and the (empty) notebook it retrains with; the loaded policy."""
    from jupyter_mlops.core import lifecycle

    (root / "policies").mkdir()
    (root / "policies" / "churn.yaml").write_text(text)
    (root / "train.ipynb").write_text('{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}')
    return lifecycle.load_policy(root, "churn")


@pytest.fixture
def policy(versions, mlops_root):
    return write_policy(mlops_root)


@pytest.fixture
def constant_versions(mlops_root):
    """``flip`` v1 answers 0, v2 answers 1 (so a client sees which one served it); v1 is @live."""
    from sklearn.dummy import DummyClassifier

    train = frame(50)
    zero = DummyClassifier(strategy="constant", constant=0).fit(train[["a", "b"]], train.y)
    one = DummyClassifier(strategy="constant", constant=1).fit(train[["a", "b"]], train.y)
    return register(zero, "flip", alias="live"), register(one, "flip")


@pytest.fixture
def servers(mlops_root):
    """Stops whatever model servers and endpoint proxies the test left running."""
    yield
    import json

    from jupyter_mlops.core import names, store
    from jupyter_mlops.core.config import resolve
    from jupyter_mlops.core.lifecycle.endpoint import _stop_proxy
    from jupyter_mlops.core.models import deploy, serving

    uri = resolve().tracking_uri
    for d in deploy.deployments(uri, check_health=False):
        serving.stop(d.pid, d.port)
    for model in store.client(uri).search_registered_models():
        for key, value in model.tags.items():
            if key.startswith(names.ENDPOINT_TAG.format(alias="")):
                found = json.loads(value)
                _stop_proxy(found["pid"], found["port"])


PROBE = {"dataframe_split": {"columns": ["a", "b"], "data": [[0.1, 0.2]]}}


class Load:
    """Sends ``rate`` requests a second to ``url`` on a thread; keeps every answer."""

    def __init__(self, url: str, rate: float = 50.0, body: dict | None = None):
        self.url, self.period, self.body = url, 1.0 / rate, body or PROBE
        self.answers: list[int] = []
        self.failures: list[str] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self) -> None:
        next_at = time.monotonic()
        with requests.Session() as session:
            while not self.stop.is_set():
                try:
                    answer = session.post(f"{self.url}/invocations", json=self.body, timeout=10)
                    if answer.status_code == 200:
                        self.answers.append(answer.json()["predictions"][0])
                    else:
                        self.failures.append(f"HTTP {answer.status_code}: {answer.text[:200]}")
                except requests.RequestException as exc:
                    self.failures.append(repr(exc))
                next_at += self.period
                time.sleep(max(0.0, next_at - time.monotonic()))

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        self.thread.join(30)


@pytest.fixture
def load_client():
    """``load_client(url, rate=50, body=PROBE)``: a context manager sending requests the whole time."""
    return Load
