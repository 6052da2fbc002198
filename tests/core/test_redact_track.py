"""End to end: a %%track cell full of credentials, in a real IPython shell against the
real embedded store; nothing the run stored in MLflow holds one of them."""

from __future__ import annotations

from mlops_testing import all_runs, client, run, sync

PASSWORD = "Harbor orbit, 94)"  # a space, a comma and a parenthesis
PIN = "90210437"  # only digits, given as --param pwd=
EARLIER = "Maple-Lantern-7731"  # set in an untracked cell the tracked one depends on
HF = "hf_AbCdEfGhIjKlMnOpQrStUvWxYz01234567"
STRIPE = "sk_live_4eC39HqLyjWDarjtT1zdp7dc"
REDIS = "Redis-Pw-9@x/1"
SECRETS = (PASSWORD, PIN, EARLIER, HF, STRIPE, REDIS)


def stored_text(run_id: str) -> str:
    """Every tag, param and text artifact of the run, as one string."""
    import mlflow.artifacts

    mlflow_client = client()
    tracked = mlflow_client.get_run(run_id)
    parts = [f"{k}={v}" for k, v in {**tracked.data.tags, **tracked.data.params}.items()]
    pending = [None]
    while pending:
        folder = pending.pop()
        for item in mlflow_client.list_artifacts(run_id, folder):
            if item.is_dir:
                pending.append(item.path)
            elif not item.path.endswith(".png"):
                parts.append(mlflow.artifacts.load_text(f"{tracked.info.artifact_uri}/{item.path}"))
    return "\n".join(parts)


def test_no_credential_reaches_mlflow(ip):
    run(ip, f'import os\ndb_password = "{EARLIER}"')
    cell = (
        f"%%track --name leaky --param pwd={PIN} -p lr=0.1\n"
        f'password = "{PASSWORD}"\n'
        f'hub = "{HF}"\n'
        f"os.environ.setdefault('STRIPE_KEY_FOR_TEST', '{STRIPE}')\n"
        "dsn = db_password + '@db'\n"
        f"print('using', hub, 'and', {STRIPE!r})\n"
        f"raise ConnectionError('cannot reach redis://:{REDIS}@cache:6379/0 with ' + {HF!r})\n"
    )
    result = run(ip, cell)
    assert isinstance(result.error_in_exec, ConnectionError)
    sync(ip)
    runs = [r for r in all_runs() if r.info.run_name == "leaky"]
    assert len(runs) == 1
    tracked = runs[0]
    assert tracked.info.status == "FAILED"
    assert tracked.data.params["pwd"] == "***" and tracked.data.params["lr"] == "0.1"
    assert tracked.data.tags["mlops.error"].startswith("ConnectionError: cannot reach redis://:***@cache")
    stored = stored_text(tracked.info.run_id)
    assert "mlops/stdout.txt" in {a.path for a in client().list_artifacts(tracked.info.run_id, "mlops")}
    assert "db_password" in stored  # the dependency was recorded, without its value
    leaked = [secret for secret in SECRETS if secret in stored]
    assert not leaked, leaked
