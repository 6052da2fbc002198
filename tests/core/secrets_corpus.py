"""A corpus of realistic credentials and look-alikes for the redaction tests and benchmark.

Generated from a fixed seed: no real credential is in it, and every run sees the same
cases.  A ``Case`` is a snippet as it would reach a run (cell source, stdout, a config,
an error message) and, for secrets, the credential inside it that must not survive.
"""

from __future__ import annotations

import base64
import random
import string
from dataclasses import dataclass

ALNUM = string.ascii_letters + string.digits


@dataclass(frozen=True)
class Case:
    family: str
    text: str
    secret: str = ""


def _pick(rng: random.Random, chars: str, n: int) -> str:
    return "".join(rng.choice(chars) for _ in range(n))


def _mixed(rng: random.Random, n: int) -> str:
    """Random alphanumerics with at least one digit, lower and upper case letter."""
    body = _pick(rng, ALNUM, n - 3) + rng.choice(string.digits) + rng.choice(string.ascii_lowercase) + \
        rng.choice(string.ascii_uppercase)
    return "".join(rng.sample(body, len(body)))


_WORDS = ["river", "maple", "copper", "violet", "orbit", "saddle", "lantern", "harbor", "quartz", "meadow"]


def _password(rng: random.Random, style: str) -> str:
    word = rng.choice(_WORDS)
    if style == "space":
        return f"{word.capitalize()} {rng.choice(_WORDS)} {rng.randint(10, 99)}"
    if style == "comma":
        return f"{word},{rng.randint(100, 999)},{_pick(rng, ALNUM, 4)}"
    if style == "paren":
        return f"{word}){_pick(rng, ALNUM, 5)}(!"
    if style == "digits":
        return _pick(rng, string.digits, rng.choice([6, 8, 10]))
    if style == "digit_punct":
        return f"{rng.randint(1, 9)}//{rng.randint(0, 9)}{_pick(rng, ALNUM + '-_', 20)}"
    if style == "at_slash":
        return f"{word}@{_pick(rng, ALNUM, 3)}/{rng.randint(10, 99)}"
    return f"{word.capitalize()}{rng.randint(10, 99)}{rng.choice('!#%&*?')}{_pick(rng, ALNUM, 3)}"


def _formats(rng: random.Random) -> list[tuple[str, str]]:
    """(family, token) with a recognisable form, in neutrally named variables."""
    jwt_head = base64.urlsafe_b64encode(b'{"alg":"HS256","typ":"JWT"}').decode().rstrip("=")
    jwt_body = base64.urlsafe_b64encode(f'{{"sub":"{rng.randint(1000, 9999)}"}}'.encode()).decode().rstrip("=")
    return [
        ("stripe", "sk_live_" + _mixed(rng, 24)),
        ("stripe", "rk_live_" + _mixed(rng, 24)),
        ("stripe", "sk_test_" + _mixed(rng, 24)),
        ("slack", f"xapp-1-A{_pick(rng, string.digits, 10)}-{_pick(rng, string.digits, 13)}-"
                  f"{_pick(rng, '0123456789abcdef', 64)}"),
        ("slack", f"xoxb-{_pick(rng, string.digits, 11)}-{_pick(rng, string.digits, 12)}-{_mixed(rng, 24)}"),
        ("huggingface", "hf_" + _mixed(rng, 34)),
        ("npm", "npm_" + _mixed(rng, 36)),
        ("gitlab", "glpat-" + _mixed(rng, 20)),
        ("databricks", "dapi" + _pick(rng, "0123456789abcdef", 32)),
        ("sendgrid", f"SG.{_mixed(rng, 22)}.{_mixed(rng, 43)}"),
        ("github", "ghp_" + _mixed(rng, 36)),
        ("github", "github_pat_" + _mixed(rng, 22) + "_" + _mixed(rng, 59)),
        ("aws", "AKIA" + _pick(rng, string.ascii_uppercase + string.digits, 16)),
        ("openai", "sk-proj-" + _mixed(rng, 48) + "-" + _mixed(rng, 20)),
        ("openai", "sk-" + _mixed(rng, 48)),
        ("anthropic", "sk-ant-api03-" + _mixed(rng, 80)),
        ("google", "AIza" + _mixed(rng, 35)),
        ("jwt", f"{jwt_head}.{jwt_body}.{_mixed(rng, 43)}"),
        ("pypi", "pypi-AgEIcHlwaS5vcmc" + _mixed(rng, 60)),
    ]


def secrets(seed: int = 12) -> list[Case]:
    rng = random.Random(seed)
    cases: list[Case] = []
    add = cases.append
    for _ in range(2):
        # passwords with a space, a comma or a parenthesis, in code, configs and calls
        for style in ("space", "comma", "paren"):
            pw = _password(rng, style)
            add(Case(f"password-{style}", f'password = "{pw}"', pw))
            add(Case(f"password-{style}", f"conn = psycopg2.connect(host='db', user='etl', password='{pw}')", pw))
            add(Case(f"password-{style}", f'{{"user": "svc", "password": "{pw}"}}', pw))
        # made only of digits, also as a param
        pw = _password(rng, "digits")
        add(Case("password-digits", f"db_password = {pw}", pw))
        add(Case("password-digits", f'PIN_PASSWORD = "{pw}"', pw))
        add(Case("password-digits", f"%%track --param pwd={pw}\nx = 1", pw))
        # starting with a digit and punctuation
        pw = _password(rng, "digit_punct")
        add(Case("digit-punct", f'refresh_token = "{pw}"', pw))
        add(Case("digit-punct", f"config = {{'refresh_token': '{pw}'}}", pw))
        # pwd / pw
        for name in ("pwd", "pw", "db_pw", "mysql_pwd", "ldapPwd", "SMTP_PW"):
            pw = _password(rng, "plain")
            add(Case("pwd-pw", f'{name} = "{pw}"', pw))
        pw = _password(rng, "plain")
        add(Case("pwd-pw", f"%%track -p pwd={pw} -p lr=0.1\nfit()", pw))
        add(Case("pwd-pw", f"!python train.py --pwd {pw} --epochs 3", pw))
        # environment setters
        for call in ("os.environ.setdefault", "os.putenv", "os.environ.__setitem__"):
            name = rng.choice(["DB_PASSWORD", "API_TOKEN", "SERVICE_SECRET", "OPENAI_API_KEY"])
            pw = _password(rng, "plain")
            add(Case("environ", f'{call}("{name}", "{pw}")', pw))
        pw = _password(rng, "plain")
        add(Case("environ", f'os.environ["AIRFLOW_PASSWORD"] = "{pw}"', pw))
        pw = _password(rng, "plain")
        add(Case("environ", f"%env MLFLOW_TRACKING_PASSWORD={pw}", pw))
        pw = _password(rng, "plain")
        add(Case("environ", f"export DB_PASS={pw}", pw))
        # basic auth
        pw = _password(rng, "plain")
        add(Case("basic-auth", f'r = requests.get(url, auth=("alice", "{pw}"))', pw))
        pw = _password(rng, "plain")
        add(Case("basic-auth", f"session.auth = ('svc-etl', '{pw}')", pw))
        pw = _password(rng, "plain")
        add(Case("basic-auth", f'auth = HTTPBasicAuth("admin", "{pw}")', pw))
        pw = _password(rng, "plain")
        add(Case("basic-auth", f'server.login("reports@example.com", "{pw}")', pw))
        pw = _password(rng, "plain")
        basic = base64.b64encode(f"svc:{pw}".encode()).decode()
        add(Case("basic-auth", f'headers = {{"Authorization": "Basic {basic}"}}', basic))
        # connection URLs
        pw = _password(rng, "plain")
        add(Case("url", f'r = redis.from_url("redis://:{pw}@cache.internal:6379/0")', pw))
        pw = _password(rng, "at_slash")
        add(Case("url", f'engine = create_engine("postgresql://etl:{pw}@db.example.com:5432/sales")', pw))
        pw = _password(rng, "at_slash")
        add(Case("url", f"MONGO_URL=mongodb+srv://reader:{pw}@cluster0.abcde.mongodb.net/?retryWrites=true", pw))
        pw = _password(rng, "plain")
        add(Case("url", f"ConnectionError: cannot reach amqp://guest:{pw}@rabbit:5672//", pw))
        # token formats in neutral names, in code, stdout and errors
        for family, token in _formats(rng):
            name = rng.choice(["value", "cfg_item", "x", "blob", "s", "default"])
            template = rng.choice(["{name} = '{t}'", "print({t!r})", "Loaded {t} from cache",
                                   "ValueError: unexpected value {t}", "client = Client('{t}')"])
            add(Case(f"format-{family}", template.format(name=name, t=token), token))
        hook = f"T{_pick(rng, string.ascii_uppercase + string.digits, 8)}/B{_pick(rng, string.ascii_uppercase, 8)}/" \
               f"{_mixed(rng, 24)}"
        add(Case("format-slack-webhook", f'notify = "https://hooks.slack.com/services/{hook}"', hook))
        key = base64.b64encode(rng.randbytes(64)).decode()
        add(Case("format-azure", f'conn_str = "DefaultEndpointsProtocol=https;AccountName=acct{rng.randint(1, 99)};'
                                 f'AccountKey={key};EndpointSuffix=core.windows.net"', key))
        body = "\n".join(base64.b64encode(rng.randbytes(48)).decode() for _ in range(4))
        add(Case("format-pgp", f"-----BEGIN PGP PRIVATE KEY BLOCK-----\n\n{body}\n-----END PGP PRIVATE KEY BLOCK-----",
                 body))
        add(Case("format-pem", f'key = """-----BEGIN OPENSSH PRIVATE KEY-----\n{body}\n'
                               f'-----END OPENSSH PRIVATE KEY-----"""', body))
        # credential-like names
        for name in ("api_key", "apiKey", "client_secret", "aws_secret_access_key", "SECRET_KEY", "access_token",
                     "AUTH_TOKEN", "jwtSecret", "webhook_secret", "private_key_passphrase", "x-api-key",
                     "session_token", "encryption_key", "db_credentials"):
            value = _mixed(rng, rng.choice([16, 24, 32, 40]))
            template = rng.choice(['{n} = "{v}"', '"{n}": "{v}"', "{n}: {v}", "--{n}={v}", "{n}={v}"])
            add(Case("name", template.format(n=name, v=value), value))
        value = _mixed(rng, 32)
        add(Case("name", f'headers = {{"X-API-Key": "{value}", "Accept": "application/json"}}', value))
        value = _mixed(rng, 40)
        add(Case("name", f"Authorization: Bearer {value}", value))
        value = _mixed(rng, 32)
        add(Case("name", f"Cookie: sessionid={value}; csrftoken=abc", value))
        value = _mixed(rng, 24)
        add(Case("name", f"{{'username': 'bob', 'password': '{value}', 'host': 'db'}}", value))
        value = _password(rng, "plain")
        add(Case("name", f"machine api.example.com login bob password {value}", value))
    return cases


def look_alikes(seed: int = 34) -> list[Case]:
    rng = random.Random(seed)
    cases: list[Case] = []
    hexes = "0123456789abcdef"
    comments = ["tuned on val", "see README", "from the sweep", "keep in sync with prod", "TODO: move to config"]
    for round_ in range(2):
        def add(case: Case, round_: int = round_) -> None:
            # the second round: the same shapes, indented under a block with a comment
            text = case.text if round_ == 0 else f"if run:\n    {case.text}  # {rng.choice(comments)}"
            cases.append(Case(case.family, text))

        n = rng.randint(64, 4096)
        # names that merely contain token / pass / secret / cookie / session / credential
        for text in (
            'tokenizer = AutoTokenizer.from_pretrained("bert-base-uncased")',
            f'token_type = "{rng.choice(["bpe", "wordpiece", "bearer"])}"',
            f"max_tokens = {n}",
            f"max_new_tokens={n}",
            f"num_tokens = len(tokens) + {rng.randint(1, 9)}",
            'token_ids = tokenizer(text)["input_ids"]',
            'pad_token = "<pad>"',
            'eos_token = "</s>"',
            f"token_count: {n}",
            f'passenger_class = "{rng.choice(["first", "second", "third"])}"',
            f"passenger_count = {rng.randint(1, 6)}",
            f'compass_heading = "{rng.choice(["north", "south-east", "W"])}"',
            f"bypass_cache = {rng.choice(['True', 'False'])}",
            f"pass_rate = 0.{rng.randint(10, 99)}",
            "forward_pass = model(batch)",
            f'secretary_name = "{rng.choice(["Ann", "Bo", "Cy"])}"',
            'cookie_consent = "accepted"',
            'session_id_col = "session_id"',
            f'session_id = "{_pick(rng, hexes, 12)}"',
            'credential_type = "oauth"',
            'credentials_path = "~/.config/gcloud/application_default_credentials.json"',
            'secret_name = "prod/warehouse"',
            'cookies_df = pd.read_csv("cookies.csv")',
            f"token_budget = {n}",
            'password_prompt = "Enter your password:"',
            f"min_password_length = {rng.randint(8, 16)}",
            f"auth_method = '{rng.choice(['oauth', 'sso', 'basic'])}'",
            "use_auth_token = True",
            f'next_token = "{rng.choice(["the", "cat", "[SEP]"])}"',
            'special_tokens = {"pad_token": "[PAD]"}',
        ):
            add(Case("name-lookalike", text))
        # sk- that is a name, not a key
        for text in (f'run_name = "sk-learn-baseline-{rng.randint(2020, 2026)}-0{rng.randint(1, 9)}-final"',
                     f'model_id = "sk-ensemble-rf-v{rng.randint(1, 9)}"',
                     f"mlflow.set_tag('family', 'sk-learn-gbm-{rng.randint(100, 999)}')"):
            add(Case("sk-lookalike", text))
        # harmless code around credentials
        for text in (
            'api_key = os.environ["OPENAI_API_KEY"]',
            "password = getpass.getpass()",
            'token = os.getenv("HF_TOKEN")',
            "client = OpenAI(api_key=api_key)",
            "conn = psycopg2.connect(host=host, user=user, password=password)",
            "secret = secrets.token_hex(16)",
            "api_key: str = Field(default=None, repr=False)",
            'password = input("Password: ")',
            "auth = HTTPBasicAuth(user, pw)",
            "api_key = None",
            'password = ""',
            'headers = {"Authorization": f"Bearer {token}"}',
            "token = self.token",
            'db_password = config["database"]["password"]',
            "os.environ.setdefault('MLFLOW_TRACKING_URI', 'http://localhost:5000')",
            "r = requests.get(url, auth=auth, timeout=10)",
            "login(token=hf_token)",
            'api_key = "YOUR_API_KEY"',
            'password = "<password>"',
            "export HF_TOKEN=$HF_TOKEN",
            "--password ${DB_PASSWORD}",
            'ssh_key = "~/.ssh/id_ed25519"',
        ):
            add(Case("code-lookalike", text))
        # identifiers and hashes that look random
        for text in (
            f'commit = "{_pick(rng, hexes, 40)}"',
            f'run_id = "{_pick(rng, hexes, 32)}"',
            f"uuid = {_pick(rng, hexes, 8)}-{_pick(rng, hexes, 4)}-4{_pick(rng, hexes, 3)}-a{_pick(rng, hexes, 3)}-"
            f"{_pick(rng, hexes, 12)}",
            f'md5 = "{_pick(rng, hexes, 32)}"',
            f"sha256:{_pick(rng, hexes, 64)}",
            f'dataset_digest = "{_pick(rng, hexes, 16)}"',
            f'public_key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI{_mixed(rng, 43)} bob@laptop"',
            f'pk = "pk_live_{_mixed(rng, 24)}"',
            "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIU\n-----END CERTIFICATE-----",
            "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYI\n-----END PUBLIC KEY-----",
            f'img = "data:image/png;base64,iVBORw0KGgo{_mixed(rng, 40)}"',
        ):
            add(Case("id-lookalike", text))
        # URLs without credentials
        for text in (
            f"https://example.com:{rng.randint(1024, 9999)}/api/v1/items?page=2",
            "https://huggingface.co/bert-base-uncased/resolve/main/config.json",
            f"postgresql://localhost:{rng.randint(5432, 5440)}/analytics",
            "git@github.com:acme/models.git",
            "https://bob@example.com/repo.git",
            "https://medium.com/@author/how-we-train-1a2b3c",
            "https://example.com/path?email=ann@example.com",
            "s3://bucket/prefix/2024/05/data.parquet",
        ):
            add(Case("url-lookalike", text))
        # prose and logs
        for text in (
            "The tokenizer splits text into tokens before the model sees them.",
            "Enter your password below and press Enter.",
            "Bearer tokens expire after one hour; refresh them with the client.",
            f"epoch={rng.randint(1, 9)} loss=0.{rng.randint(1000, 9999)} tokens/s={rng.randint(1000, 9000)}",
            f"Tokens: {rng.randint(100, 99999)}",
            "See the Authentication section of the README.",
            f"step {rng.randint(1, 999)}: token accuracy 0.{rng.randint(10, 99)}",
            "secret sauce: more data",
            "Passed 12 of 12 checks",
            "Password: must be at least 8 characters long",
            "ValueError: api_key: must be set before calling the API",
            "token: expired, please log in again",
            f"ModuleNotFoundError: No module named 'keyring.backends.{rng.choice(['macOS', 'Windows'])}'",
        ):
            add(Case("prose-lookalike", text))
    return cases


def secret_params() -> list[tuple[str, str]]:
    """(name, value) params and tags whose value must be masked."""
    return [("pwd", "123456"), ("pw", "hunter2"), ("password", "x"), ("db_password", "20240611"),
            ("api_key", "abcd1234efgh"), ("HF_TOKEN", "hf_" + "Ab1" * 11 + "x"), ("clientSecret", "s3cr3t"),
            ("note", "postgresql://bob:hunter2@db/x"), ("auth_token", "0000")]


def look_alike_params() -> list[tuple[str, str]]:
    return [("max_tokens", "1000"), ("token_type", "bpe"), ("passenger_class", "first"), ("lr", "0.1"),
            ("tokenizer", "bert-base-uncased"), ("bypass_cache", "True"), ("num_passes", "3"),
            ("session_id", "abc123"), ("compass_heading", "north"), ("secret_name", "prod/db")]
