"""Redaction against a corpus of credentials and look-alikes, family by family, and its
linear time (measured by scaling, not by the clock)."""

from __future__ import annotations

import re
import sys
import time
from pathlib import Path

import pytest

from jupyter_mlops.core.tracking.redact import MASK, looks_secret_name, redact_mapping, redact_text

sys.path.insert(0, str(Path(__file__).parent))
from secrets_corpus import look_alike_params, look_alikes, secret_params, secrets  # noqa: E402

SECRETS = secrets()
LOOK_ALIKES = look_alikes()


def leftover(case) -> list[str]:
    """Pieces of the secret (6 characters or more) still in the redacted text, other
    than those the text has anyway outside the secret."""
    out = redact_text(case.text)
    rest = case.text.replace(case.secret, " ")
    width = min(6, len(case.secret))
    return [case.secret[i:i + width] for i in range(len(case.secret) - width + 1)
            if case.secret[i:i + width] in out and case.secret[i:i + width] not in rest]


def test_corpus_is_large_enough():
    assert len(SECRETS) >= 150 and len(LOOK_ALIKES) >= 150
    assert len({c.text for c in SECRETS}) == len(SECRETS) and len({c.text for c in LOOK_ALIKES}) == len(LOOK_ALIKES)


def test_at_least_99_percent_of_secrets_are_masked():
    missed = [c.text for c in SECRETS if c.secret in redact_text(c.text)]
    assert len(missed) <= len(SECRETS) * 0.01, missed


def test_at_most_1_percent_of_look_alikes_are_masked():
    masked = [(c.text, redact_text(c.text)) for c in LOOK_ALIKES if redact_text(c.text) != c.text]
    assert len(masked) <= len(LOOK_ALIKES) * 0.01, masked


def test_a_masked_secret_leaves_no_recognisable_part():
    leaks = {c.text: leftover(c) for c in SECRETS if leftover(c)}
    assert not leaks


@pytest.mark.parametrize("name, value", secret_params())
def test_params_and_tags_under_credential_names_are_masked(name, value):
    assert value not in redact_mapping({name: value})[name]


@pytest.mark.parametrize("name, value", look_alike_params())
def test_params_under_look_alike_names_are_kept(name, value):
    assert redact_mapping({name: value}) == {name: value}


@pytest.mark.parametrize("text, secret", [
    # passwords with a space, a comma or a parenthesis
    ('password = "correct horse battery"', "correct horse battery"),
    ("db.connect(password='a,b,c,d')", "a,b,c,d"),
    ('PASSWORD = "pa)ss(word"', "pa)ss(word"),
    # only digits (in code and as a param on the magic line); a digit and punctuation first
    ("password = 12345678", "12345678"),
    ("%%track --param pwd=90210\nx = 1", "90210"),
    ('refresh_token = "1//0gLmN-opQrStUvWx_yz0123456789"', "1//0gLmN-opQrStUvWx_yz0123456789"),
    # pwd and pw
    ('pwd = "Tr0ub4dor&3"', "Tr0ub4dor&3"),
    ('ldap_pw = "Qwerty!23"', "Qwerty!23"),
    ("!python train.py --pwd Sunshine77 --epochs 3", "Sunshine77"),
    # environment setters
    ('os.environ.setdefault("DB_PASSWORD", "Blue-Sky-42")', "Blue-Sky-42"),
    ("os.putenv('API_TOKEN', 'ab12cd34ef')", "ab12cd34ef"),
    # basic auth
    ('requests.get(url, auth=("alice", "Wonderland7"))', "Wonderland7"),
    ("HTTPBasicAuth('svc', 'S3rvice!')", "S3rvice!"),
    # connection URLs
    ("redis://:Redis-Pw-9@cache:6379/0", "Redis-Pw-9"),
    ("postgresql://etl:p@ss/w0rd@db.example.com:5432/x", "p@ss/w0rd"),
    # token formats in neutral names
    ("x = 'sk_live_4eC39HqLyjWDarjtT1zdp7dc'", "sk_live_4eC39HqLyjWDarjtT1zdp7dc"),
    ("x = 'rk_live_51H8aBcDeFgHiJkLmNoPqRsT'", "rk_live_51H8aBcDeFgHiJkLmNoPqRsT"),
    ("xapp-1-A0123456789-1234567890123-0a1b2c3d4e5f", "xapp-1-A0123456789-1234567890123-0a1b2c3d4e5f"),
    ("print('hf_AbCdEfGhIjKlMnOpQrStUvWxYz01234567')", "hf_AbCdEfGhIjKlMnOpQrStUvWxYz01234567"),
    ("npm_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789", "npm_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789"),
    ("glpat-AbCdEf0123456789GhIj", "glpat-AbCdEf0123456789GhIj"),
    ("host = 'dapi0123456789abcdef0123456789abcdef'", "dapi0123456789abcdef0123456789abcdef"),
    ("SG.AbCdEfGhIjKlMnOpQrStUv.AbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcdefg",
     "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcdefg"),
    ("https://hooks.slack.com/services/T0123ABCD/B0123ABCD/AbCdEf0123456789GhIjKlMn", "AbCdEf0123456789GhIjKlMn"),
    ("DefaultEndpointsProtocol=https;AccountName=a;AccountKey=Zm9vYmFy+/Zm9vYmFyZm9v==;EndpointSuffix=x",
     "Zm9vYmFy+/Zm9vYmFyZm9v=="),
    ("-----BEGIN PGP PRIVATE KEY BLOCK-----\n\nlQOYBGZxAbCdEf\n=AbCd\n-----END PGP PRIVATE KEY BLOCK-----",
     "lQOYBGZxAbCdEf"),
    # names judged by their components
    ('dbPassword = "Winter2024"', "Winter2024"),
    ('"X-Api-Key": "0123abcdEFGH4567"', "0123abcdEFGH4567"),
    ("PGPASSWORD=Pg-Secret-1 psql -h db", "Pg-Secret-1"),
])
def test_each_family_is_masked(text, secret):
    assert secret not in redact_text(text)
    assert MASK in redact_text(text)


@pytest.mark.parametrize("text", [
    "tokenizer = AutoTokenizer.from_pretrained('gpt2')",
    'token_type = "bearer"',
    'passenger_class = "first"',
    'compass_heading = "north"',
    "bypass_cache = 'yes'",
    "run = 'sk-learn-baseline-2024-05-01-final'",
    'api_key = os.environ["OPENAI_API_KEY"]',
    "password = getpass.getpass()",
    'session_id = "a1b2c3"',
    'cookie_policy = "strict"',
    'credential_source = "env"',
    "max_tokens = 512\ntoken_budget = 10_000",
    'eos_token = "</s>"',
])
def test_look_alikes_are_kept(text):
    assert redact_text(text) == text


@pytest.mark.parametrize("name, secret", [
    ("password", True), ("db_passwd", True), ("PGPASSWORD", True), ("pwd", True), ("smtp_pw", True),
    ("apiKey", True), ("X-API-KEY", True), ("client_secret", True), ("aws_secret_access_key", True),
    ("refresh_token", True), ("authToken", True), ("credentials", True), ("AccountKey", True), ("auth", True),
    ("tokenizer", False), ("token_type", False), ("max_tokens", False), ("pad_token", False),
    ("passenger_class", False), ("compass_heading", False), ("bypass_cache", False), ("secretary", False),
    ("session_id", False), ("cookie_consent", False), ("credential_type", False), ("api_key_env", False),
    ("password_prompt", False), ("s3_key", False), ("primary_key", False),
])
def test_names_are_judged_by_their_word_components(name, secret):
    assert looks_secret_name(name) is secret


# -- linear time --------------------------------------------------------------------------

ADVERSARIAL = {
    "uuids joined by -": lambda n: ("0f8b6c1e-2d4a-4c3b-9e7f-5a6b7c8d9e0f-" * (n // 37 + 1))[:n],
    "ab-": lambda n: ("ab-" * n)[:n],
    "a.": lambda n: ("a." * n)[:n],
    "dashes": lambda n: "-" * n,
    "equals": lambda n: "=" * n,
    "colons": lambda n: ":" * n,
    "ats": lambda n: "@" * n,
    "slashes": lambda n: "/" * n,
    "quotes": lambda n: '"' * n,
    "base64": lambda n: ("QUJDRGVmZ2hpams0NTY3Kz0vWFla" * n)[:n],
    "repeated key=": lambda n: ("password=" * n)[:n],
    "repeated token": lambda n: ("token" * n)[:n],
    "repeated api_key_": lambda n: ("api_key_" * n)[:n],
    "repeated url userinfo": lambda n: ("://a:" * n)[:n],
    "repeated eyJ": lambda n: ("eyJ" * n)[:n],
    "repeated sk-": lambda n: ("sk-" * n)[:n],
    "BEGIN without END": lambda n: ("-----BEGIN RSA PRIVATE KEY-----\nMIIE" * n)[:n],
    "repeated pairs": lambda n: ('("password", ' * n)[:n],
}


def cpu_time(text: str) -> float:
    best = float("inf")
    for _ in range(3):
        started = time.process_time()
        redact_text(text)
        best = min(best, time.process_time() - started)
    return best


@pytest.mark.parametrize("kind", sorted(ADVERSARIAL))
def test_redaction_time_grows_linearly(kind):
    """4x the input takes well under 16x the time (a quadratic redactor): the ratio, not
    the clock, so a busy machine does not fail it; the timing is in benchmarks/redact.py."""
    make = ADVERSARIAL[kind]
    small, large = cpu_time(make(50_000)), cpu_time(make(200_000))
    assert large < 8 * max(small, 0.002), (kind, small, large)


def test_the_regexes_are_not_nested_quantifiers():
    """The shape that made the old key=value pattern super-linear: two unbounded,
    overlapping repetitions of name characters around the credential word."""
    import jupyter_mlops.core.tracking.redact as redact

    source = open(redact.__file__).read()
    assert not re.search(r"\[\\w\.-\]\*\(\?:pass", source)
