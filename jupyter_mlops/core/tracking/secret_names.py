"""Whether a name holds a credential, judged by its word components: ``db_password``,
``apiKey`` and ``PGPASSWORD`` do; ``tokenizer``, ``token_type`` and ``bypass_cache`` do not."""

from __future__ import annotations

import re
from functools import lru_cache

# Every credential word below holds one of these stems (lower case), so the scans start
# at them: the regex engine skips ahead to a stem at full speed.
STEMS = ("pass", "pw", "secret", "token", "cred", "auth", "bearer", "cookie", "key", "hook")
_OPERATOR = r"(?=(?:\\?[\"'`]|\]){0,4}+[ \t]*+(?:[=!+,]|:(?![:/])))"
# A run of name characters holding the stem, followed by an assignment: searched in the
# lower-cased text.  (?!stem) stops the run at the next occurrence of the stem, where the
# next attempt starts: each character is scanned once per stem, however often it repeats.
STEM_REGEXES = [re.compile(rf"{stem}(?:(?!{stem})[\w.$-])*+{_OPERATOR}", re.ASCII) for stem in STEMS]
# Calls whose positional arguments are credentials: HTTPBasicAuth("user", "..."), smtp.login(...).
CREDENTIAL_CALLS = ("auth(", "login(", "password(", "credential(", "credentials(")

# -- names --------------------------------------------------------------------------------

_SPLIT = re.compile(r"[^A-Za-z0-9]+|(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_ALWAYS = frozenset({
    "password", "passwords", "passwd", "passphrase", "passcode", "pwd", "pw", "secret", "secrets",
    "credential", "credentials", "cred", "creds", "authorization", "bearer", "cookie", "cookies",
    "apikey", "apikeys", "webhook",
})
# Glued compounds (PGPASSWORD, dbPasswd, xapikey, clientsecret...).
_GLUED = ("password", "passwd", "passphrase", "passcode", "apikey", "accesskey", "secretkey", "privatekey",
          "signingkey", "masterkey", "accountkey", "encryptionkey", "authkey", "authtoken", "accesstoken",
          "refreshtoken", "apitoken", "sessiontoken", "bearertoken", "idtoken", "bottoken", "oauthtoken",
          "clientsecret", "appsecret", "secret", "credential", "credentials")
# Who owns a bare "pass"/"pwd"/"pw" (db_pass, SMTP_PASS, mysqlpwd), as opposed to forward_pass.
_PASS_OWNERS = frozenset({
    "db", "database", "user", "admin", "root", "ssh", "smtp", "mail", "email", "ftp", "sftp", "ldap", "mysql",
    "pg", "postgres", "sql", "redis", "proxy", "wifi", "vpn", "sudo", "app", "api", "login", "master", "sa",
    "my", "rabbit", "rabbitmq", "mongo", "mongodb", "es", "elastic", "bind", "keystore", "truststore",
    "account", "service", "basic", "http", "web", "site", "server", "host", "client", "jdbc", "odbc",
    "oracle", "mssql", "snowflake", "imap", "pop", "router", "default", "new", "old", "your", "the",
})
# What a "key" is when it is a credential (api_key, AccountKey, fernet_key), unlike s3_key.
_KEY_OWNERS = frozenset({
    "api", "access", "secret", "private", "signing", "sign", "master", "account", "encryption", "encrypt",
    "decryption", "auth", "client", "app", "application", "service", "subscription", "license", "licence",
    "ssh", "deploy", "consumer", "shared", "storage", "admin", "root", "gpg", "pgp", "session", "function",
    "sas", "jwt", "hmac", "crypto", "fernet", "kaggle", "wandb", "openai", "stripe", "aes", "webhook",
    "ingest", "ingestion", "sdk", "write", "cipher", "mac", "sendgrid", "mailgun", "anthropic", "cohere",
    "mistral", "groq", "pinecone", "comet", "neptune", "rest", "developer", "dev", "live", "prod",
})
# token is a word in NLP: pad_token, eos_token, next_token, max_tokens are not credentials.
_TOKEN_BENIGN = frozenset({
    "pad", "eos", "bos", "unk", "mask", "sep", "cls", "special", "start", "end", "stop", "sos", "eot", "eom",
    "begin", "vocab", "subword", "word", "char", "byte", "input", "output", "image", "img", "audio", "video",
    "text", "added", "extra", "additional", "context", "prompt", "completion", "generated", "predicted",
    "target", "next", "prev", "previous", "first", "last", "sample", "page", "continuation", "pagination",
    "cursor", "decoder", "encoder", "bpe", "sentence", "query", "doc", "document", "label", "ignore",
    "default", "fim", "think", "tool", "system", "assistant", "chat", "pos", "neg", "dummy", "placeholder",
    "split", "unknown", "padding", "masked", "null", "blank", "boundary", "separator", "space", "newline",
    "whitespace", "reserved", "control", "new", "bad", "good", "rare", "common", "frequent", "single",
    "multi", "sampled", "decoded", "encoded", "current", "cur", "sot", "eog",
})
_TOKENS_OWNERS = frozenset({"access", "auth", "refresh", "api", "bearer", "session", "id", "oauth", "bot",
                            "personal", "user", "service", "app", "deploy", "secret"})
_PREFIX_BENIGN = frozenset({
    "max", "min", "num", "n", "total", "count", "is", "has", "use", "should", "enable", "enabled", "disable",
    "disabled", "require", "required", "show", "hide", "no", "forgot", "check", "need", "allow", "skip",
    "ask", "prompt", "len", "length",
})
# What may follow the credential word and still name the credential (password_str, API_KEY_B64).
_TAIL_OK = frozenset({
    "value", "val", "str", "string", "raw", "plain", "plaintext", "clear", "cleartext", "b64", "base64", "hex",
    "bytes", "enc", "encoded", "base", "new", "old", "current", "prod", "production", "dev", "development",
    "staging", "stage", "local", "live", "default", "fallback", "backup", "alt", "primary", "secondary",
    "real", "actual", "override", "secret", "key", "token", "here", "v",
})
_WEBHOOK_TAIL = frozenset({"url", "uri", "address", "endpoint"})


@lru_cache(maxsize=4096)
def components(name: str) -> tuple[str, ...]:
    parts = (p.lower().rstrip("0123456789") for p in _SPLIT.split(name))
    return tuple(p for p in parts if p)


def _is_credential_word(parts: tuple[str, ...], i: int) -> bool:
    word, before = parts[i], parts[i - 1] if i else ""
    if word in _ALWAYS or word.endswith(_GLUED):
        return not word.startswith("passwordless")
    if word in ("token", "auth", "tokens"):
        return (before in _TOKENS_OWNERS) if word == "tokens" else before not in _TOKEN_BENIGN
    if word in ("key", "keys"):
        return before in _KEY_OWNERS
    if word in ("pwd", "pw"):
        return True
    for short in ("pass", "pwd", "pw"):
        if word.endswith(short):
            owner = word[: -len(short)] or before
            return owner in _PASS_OWNERS or len(parts) == 1
    return False


@lru_cache(maxsize=4096)
def looks_secret_name(name: str) -> bool:
    """Whether ``name`` (a variable, key, flag or header) names a credential."""
    if len(name) > 100:
        return False
    parts = components(name)
    for i in range(len(parts) - 1, -1, -1):
        if _is_credential_word(parts, i):
            tail_ok = _WEBHOOK_TAIL | _TAIL_OK if parts[i] == "webhook" else _TAIL_OK
            return all(p in tail_ok for p in parts[i + 1:]) and not any(p in _PREFIX_BENIGN for p in parts[:i])
    return False


@lru_cache(maxsize=4096)
def is_bare_key(name: str) -> bool:
    """``key`` alone is a credential only when its value looks like one."""
    return components(name) == ("key",)
