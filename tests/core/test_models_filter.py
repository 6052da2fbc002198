"""list_models matches the filter text literally, whatever quotes or wildcards it holds."""

from __future__ import annotations

from mlflow import MlflowClient

from jupyter_mlops.core.models.catalog import list_models
from mlops_testing import install_store


def test_model_names_with_quotes_and_wildcards_filter_exactly(tmp_path, store_template):
    client = MlflowClient(f"sqlite:///{install_store(store_template, tmp_path / 'm.db')}")
    for name in ["it's", "100%", "a_b", "plain", 'say "hi"']:
        client.create_registered_model(name)
    found = {q: [m["name"] for m in list_models(client, q)["models"]] for q in ["'", "%", "_", '"', "i"]}
    assert found == {"'": ["it's"], "%": ["100%"], "_": ["a_b"], '"': ['say "hi"'],
                     "i": ["it's", "plain", 'say "hi"']}
    page = list_models(client, "", max_results=2)
    assert isinstance(page["next_page_token"], str)  # the SQL registry hands back bytes
