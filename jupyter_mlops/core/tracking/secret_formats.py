"""Credentials recognised by their form: token formats (each a literal prefix and a
bounded body), private-key blocks, and passwords or tokens in URLs.  Each function adds
``(start, end)`` spans to mask; ``redact.py`` merges them with what names reveal."""

from __future__ import annotations

import base64
import binascii
import re

# -- token formats ------------------------------------------------------------------------

# (name, the literal it starts with, the rest, whether to search the lower-cased text).
# Each literal gets its own regex: a literal prefix lets the engine skip ahead at full
# speed (an alternation of them would try every branch at every position).  A format
# must start a word (the look-behind right after the literal), and bodies are bounded,
# so each attempt scans a bounded stretch once.  (?P<s>...) is the part masked when it
# is not the whole match.
_FORMATS: list[tuple[str, str, str, bool]] = [
    ("aws", "AKIA", r"[0-9A-Z]{16}(?![0-9A-Za-z])", False),
    ("aws", "ASIA", r"[0-9A-Z]{16}(?![0-9A-Za-z])", False),
    ("github", "gh", r"[pousr]_[A-Za-z0-9]{36,255}", False),
    ("github", "github_pat_", r"[A-Za-z0-9_]{22,255}", False),
    ("gitlab", "gl", r"(?:(?:pat|dt|rt|ptt|soat|cbt|imt|agent|oas|ffct|ft)-[\w-]{20,255}|c_[\w+/=]{32,400}"
                     r"|sa_[A-Za-z0-9]{32}_[a-f0-9]{8})", False),
    ("slack", "xox", r"[abposre]-[A-Za-z0-9-]{10,255}", False),
    ("slack_app", "xa", r"(?:pp-[A-Za-z0-9-]{10,255}|i-[A-Za-z0-9]{40,100})", False),
    ("slack_webhook", "hooks.slack.com/", r"(?:services|workflows|triggers)/(?P<s>[A-Za-z0-9_/-]{10,255})", False),
    ("discord_webhook", "/api/webhooks/", r"(?P<s>[0-9]{5,30}/[\w-]{20,255})", False),
    ("openai", "sk-", r"(?:(?:proj|svcacct|admin|ant|or|None)-[\w-]{20,400}"
                      r"|(?P<s>[A-Za-z0-9]{20,200})(?![\w-]))", False),
    ("stripe", "sk_", r"(?:(?:live|test)_[A-Za-z0-9]{10,255}|[a-f0-9]{40,64}(?!\w))", False),
    ("stripe", "rk_", r"(?:live|test)_[A-Za-z0-9]{10,255}", False),
    ("stripe_webhook", "whsec_", r"[A-Za-z0-9+/=]{20,255}", False),
    ("google", "AIza", r"[\w-]{35}", False),
    ("google_oauth", "ya29.", r"[\w-]{20,2048}", False),
    ("google_refresh", "1//0", r"[\w-]{20,512}", False),
    ("sendgrid", "SG.", r"[\w-]{16,32}+\.[\w-]{16,64}", False),
    ("huggingface", "hf_", r"[A-Za-z0-9]{30,40}(?!\w)", False),
    ("npm", "npm_", r"[A-Za-z0-9]{36}(?!\w)", False),
    ("pypi", "pypi-Ag", r"[\w-]{50,1000}", False),
    ("databricks", "dapi", r"[0-9a-f]{32}(?:-\d)?(?!\w)", False),
    ("docker", "dckr_pat_", r"[\w-]{20,100}", False),
    ("digitalocean", "_v1_", r"[a-f0-9]{64}", False),
    ("atlassian", "ATATT3", r"[\w=-]{50,300}", False),
    ("age", "AGE-SECRET-KEY-1", r"[0-9A-Z]{58}", False),
    ("vault", "hvs.", r"[\w-]{24,255}", False),
    ("replicate", "r8_", r"[A-Za-z0-9]{37}(?!\w)", False),
    ("groq", "gsk_", r"[A-Za-z0-9]{40,60}(?!\w)", False),
    ("jwt", "eyJ", r"[\w-]{8,8192}+\.[\w-]{4,16384}+\.[\w-]{8,8192}", False),
    ("presigned", "sig", r"(?:nature)?=(?P<s>[\w%+/=.-]{16,4096})", True),
    ("bearer", "bearer", r"[ \t]{1,4}(?P<s>[\w.~+/-]{16,4096}=*)", True),
    ("token", "token", r"[ \t]{1,4}(?P<s>[\w.~+/-]{20,4096}=*)", True),
    ("basic", "basic", r"[ \t]{1,4}(?P<s>[A-Za-z0-9+/]{8,2048}={0,2})", True),
    ("sshpass", "sshpass", r"[ \t]{1,8}-p[ \t]{0,8}(?P<s>[^\s'\"]{1,200}|'[^'\n]{1,200}'|\"[^\"\n]{1,200}\")", True),
    ("netrc", "password", r"[ \t]{1,8}(?P<s>[^\s'\"]{1,200})", True),
    # Found by the literal inside them; what comes before it is checked by _LOOK_BACK.
    ("telegram", ":AA", r"[\w-]{30,40}", False),
    ("azure_client_secret", "Q~", r"[\w~.-]{31,34}(?![\w~.-])", False),
]
_LOOK_BACK = {
    "telegram": re.compile(r"(?<!\d)\d{8,10}"),
    "azure_client_secret": re.compile(r"(?<![\w~.-])[\w~.-]{3}\d"),
    "digitalocean": re.compile(r"(?<![\w])do[opr]"),
    "netrc": re.compile(r"(?<![\w])(?:login|user)[ \t]{1,8}\S{1,200}[ \t]{1,8}"),
}
_WORD_START = {"slack_webhook", "discord_webhook", "presigned", "telegram", "azure_client_secret", "digitalocean",
               "netrc"}
_FORMAT_REGEXES = [
    (name, literal, low, re.compile(re.escape(literal) + ("" if name in _WORD_START else
                                                          rf"(?<![A-Za-z0-9_]{re.escape(literal)})") + rest))
    for name, literal, rest, low in _FORMATS]


def format_spans(text: str, low: str, spans: list) -> None:
    for name, literal, on_low, regex in _FORMAT_REGEXES:
        haystack = low if on_low else text
        if literal not in haystack:
            continue
        for m in regex.finditer(haystack):
            start = m.start()
            back = _LOOK_BACK.get(name)
            if back is not None:
                before = back.search(text, max(0, start - 420), start)
                if before is None or before.end() != start:
                    continue
                start = before.start()
            secret = m.group("s") if "s" in regex.groupindex else None
            if name == "openai" and secret is not None and not _random_looking(secret):
                continue
            if name in ("bearer", "token", "basic") and not _auth_header_value(name, text[m.start("s"):m.end("s")]):
                continue
            spans.append(m.span("s") if secret is not None else (start, m.end()))


PEM = re.compile(
    r"-----BEGIN [A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?-----"
    r"(?P<s>(?:[^-]|-(?!----))*+)"
    r"(?:-----END [A-Z0-9 ]{0,40}-----)?")
_URL_RUN = re.compile(r"://[^\s'\"<>`]*+")
_USERINFO_TOKEN = re.compile(r"[A-Za-z0-9_-]{20,}")
_PORT_PATH = re.compile(r"\d{1,5}/.*", re.S)


def _random_looking(body: str) -> bool:
    has_digit = any(c.isdigit() for c in body)
    has_lower = any(c.islower() for c in body)
    has_upper = any(c.isupper() for c in body)
    return has_digit and (has_lower or has_upper) and (len(body) >= 32 or (has_lower and has_upper))


def _auth_header_value(kind: str, value: str) -> bool:
    if kind == "basic":
        try:
            decoded = base64.b64decode(value + "=" * (-len(value) % 4), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError, ValueError):
            return False
        return ":" in decoded and decoded.isprintable()
    if not any(c.isdigit() for c in value):
        return False
    if kind == "token" and re.fullmatch(r"[a-z]+(?:[_./-][a-z0-9]+)+", value):
        return False  # prose: "token embeddings_layer_1"
    return True


def url_spans(text: str, spans: list) -> None:
    """``scheme://user:password@host``: mask the password, which may hold ``@`` or ``/``."""
    for m in _URL_RUN.finditer(text):
        offset = m.start()
        for segment in m.group().split("://")[1:]:
            offset += 3
            _userinfo_span(segment, offset, spans)
            offset += len(segment)


def _userinfo_span(segment: str, offset: int, spans: list) -> None:
    first_at = segment.find("@")
    if first_at < 0:
        return
    colon = segment.find(":", 0, first_at)
    head = segment[: colon if colon >= 0 else first_at]
    if any(c in head for c in "/?#"):
        return
    if colon < 0:  # https://<token>@host (a token as user name: Sentry DSN, GitHub)
        if _USERINFO_TOKEN.fullmatch(head) and _random_looking(head):
            spans.append((offset, offset + first_at))
        return
    query = segment.find("?", first_at)
    fragment = segment.find("#", first_at)
    limit = min(x for x in (query, fragment, len(segment)) if x >= 0)
    at = segment.rfind("@", first_at, limit)
    password = segment[colon + 1: at]
    if not password or _PORT_PATH.fullmatch(password):
        return  # host:8080/path/@user is a port, not a password
    spans.append((offset + colon + 1, offset + at))
