"""Keep credentials out of MLflow: redact values that look like secrets.

Applied to params, tags, captured source and captured output before anything is
journaled.  Environment variables are never captured in the first place.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

MASK = "***"

_SECRET_NAME = re.compile(
    r"(pass(word|wd|phrase)?|secret|token|api[_-]?key|apikey|access[_-]?key|private[_-]?key|"
    r"credential|authorization|bearer|session[_-]?id|cookie)",
    re.IGNORECASE,
)

_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    # user:password@ in URLs (keep the user name, hide the password)
    (re.compile(r"(?P<head>\b[a-zA-Z][\w+.-]*://[^/\s:@'\"]+):[^@\s/'\"]+@"), r"\g<head>:" + MASK + "@"),
    # PEM private keys
    (re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----.*?-----END [A-Z ]*PRIVATE KEY-----", re.S), MASK),
    # well-known token shapes
    (re.compile(r"\b(AKIA|ASIA)[0-9A-Z]{16}\b"), MASK),  # AWS access key id
    (re.compile(r"\bgh[pousr]_[A-Za-z0-9]{30,}\b"), MASK),  # GitHub
    (re.compile(r"\bgithub_pat_[A-Za-z0-9_]{30,}\b"), MASK),
    (re.compile(r"\bxox[abprs]-[A-Za-z0-9-]{10,}\b"), MASK),  # Slack
    (re.compile(r"\bsk-[A-Za-z0-9_-]{20,}\b"), MASK),  # OpenAI-style keys
    (re.compile(r"\bAIza[0-9A-Za-z_-]{35}\b"), MASK),  # Google API key
    (re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\b"), MASK),  # JWT
    (re.compile(r"(?i)\b(bearer|token)\s+[A-Za-z0-9._~+/-]{16,}=*"), r"\1 " + MASK),
    # password = "..." / api_key: '...' / --token=... in code, configs and command lines
    (
        re.compile(
            r"(?P<key>\b[\w.-]*(?:pass(?:word|wd)?|secret|token|api[_-]?key|apikey|access[_-]?key)[\w.-]*"
            r"['\"]?\]?\s*[:=]\s*)(?P<quote>['\"]?)(?P<value>(?![-+]?[\d.]+(?:e[-+]?\d+)?\b)[^'\"\s,;)}]{3,})(?P=quote)",
            re.IGNORECASE,
        ),
        r"\g<key>\g<quote>" + MASK + r"\g<quote>",
    ),
]


_NUMBER = re.compile(r"[-+]?\d[\d_]*(\.\d*)?([eE][-+]?\d+)?")


def redact_text(text: str) -> str:
    """Mask everything in ``text`` that looks like a credential."""
    if not text:
        return text
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def looks_secret_name(name: str) -> bool:
    return bool(_SECRET_NAME.search(name))


def redact_value(name: str, value: str) -> str:
    if looks_secret_name(name) and value not in ("", MASK) and not _NUMBER.fullmatch(value):
        return MASK
    return redact_text(value)


def redact_mapping(values: Mapping[str, object]) -> dict[str, str]:
    """Params or tags: values under secret-looking names are masked whole."""
    return {str(k): redact_value(str(k), str(v)) for k, v in values.items()}
