"""Keep credentials out of MLflow: redact values that look like secrets.

Applied to params, tags, captured source, output, errors, tracebacks, dependencies and
the git diff before anything is journaled.  Environment variables are never captured.

Two kinds of evidence, both matched in one linear pass each over the text:

* a value with a recognisable credential form (``ghp_…``, ``sk_live_…``, PEM and PGP
  private keys, ``user:password@`` in URLs, ``Bearer …``...), masked wherever it is;
* a value assigned to a credential-like name (``db_password = "…"``, ``--pwd …``,
  ``"apiKey": …``, ``os.environ.setdefault("TOKEN", "…")``, ``auth=("u", "…")``).
  Names are judged by their word components (``_``, ``-``, ``.`` and camelCase), so
  ``tokenizer``, ``token_type`` or ``bypass_cache`` are not secrets, and a value that is
  code (``os.environ["…"]``, ``getpass()``) or a placeholder is not masked.

Every pattern is anchored on a literal or on the start of a run of word characters and
its repetitions are possessive or bounded, so no input makes the regex engine backtrack
over what it already scanned: the time is linear in the length of the text.
"""

from __future__ import annotations

import re
import string
from collections.abc import Mapping
from functools import lru_cache

from .redact_dense import dense_regions, redact_dense
from .secret_formats import PEM, format_spans, url_spans
from .secret_names import CREDENTIAL_CALLS, STEM_REGEXES, components, is_bare_key, looks_secret_name

MASK = "***"

# -- values -------------------------------------------------------------------------------

_PLACEHOLDER = re.compile(
    r"""[\s*.•#?_…-]*|[xX*]{3,}|<[^<>]*>|\{\{?[^{}]*\}\}?|\$\{?\w+\}?|%\w+%|%\(\w+\)[sd]|%s|\[[\w\s-]*\]"""
    r"""|(?i:your[\w -]*)|(?i:none|null|nil|undefined|true|false|redacted|todo|tbd|n/?a|example|placeholder"""
    r"""|dummy|secret|password)""")
_ENV_NAME = re.compile(r"[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+")
_PATH = re.compile(r"(?:~|\.{1,2})?/[^\s:]*|[A-Za-z]:\\\S*|\S*\.(?:json|pem|key|txt|ya?ml|env|cfg|ini|p12|pfx|crt|"
                   r"cer|pub|gpg|asc|jks|keystore|kdbx|toml|conf|netrc|pgpass)")
_INTERPOLATION = re.compile(r"\{[^{}]*\}")
_LONG_RUN = re.compile(r"[\w+/=.~-]{6}")
_SCHEMES = re.compile(r"(?i)\b(?:bearer|basic|token|digest)\b")
_HAS_ALNUM = re.compile(r"[A-Za-z0-9]")
_COMMON_NAMES = frozenset({
    "value", "val", "key", "data", "text", "string", "arg", "args", "kwargs", "self", "cls", "item", "obj",
    "result", "res", "response", "resp", "default", "config", "cfg", "settings", "env", "environ", "params",
    "options", "opts", "input", "getpass", "os", "user", "username", "login", "str", "bytes", "int", "any",
    "optional", "field", "required", "getenv", "new", "old", "current", "raw", "lambda", "not", "await",
    "secret", "none", "true", "false", "null", "undefined", "nil", "object", "dict", "list", "bool", "float",
})


@lru_cache(maxsize=4096)
def _secret_literal(value: str, f_string: bool = False) -> bool:
    """A quoted value (or a param value) under a credential name: is it a credential?"""
    v = value.strip()
    if not v or v == MASK or _PLACEHOLDER.fullmatch(v) or not _HAS_ALNUM.search(v):
        return False
    if "..." in v or "…" in v or MASK in v:
        return False
    if _ENV_NAME.fullmatch(v) and looks_secret_name(v):
        return False  # the name of the variable holding it, "OPENAI_API_KEY"
    if " " not in v and _PATH.fullmatch(v):
        return False
    if f_string or "{" in v:
        rest = _SCHEMES.sub("", _INTERPOLATION.sub("", v))
        if rest != v and not _LONG_RUN.search(rest):
            return False
    return True


_IDENT = re.compile(r"[A-Za-z_]\w*")
_DOTTED = re.compile(r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+(?:\(\)?)?")
_EXPRESSION = re.compile(r"[A-Za-z_][\w.]*[(\[]")


def _secret_bare(value: str) -> bool:
    """An unquoted value under a credential name (``password=hunter2`` in a log or a
    command line, ``password=pw`` in code): a credential unless it is code."""
    if not value or _EXPRESSION.match(value) or _DOTTED.fullmatch(value) or value.startswith("-"):
        return False
    if _IDENT.fullmatch(value):
        if ("_" in value or value.isupper() or len(value) <= 3 or value.lower() in _COMMON_NAMES
                or looks_secret_name(value)):
            return False
    return _secret_literal(value)


_KEY_SHAPE = re.compile(r"[A-Za-z0-9+/=_-]{20,200}")


def _key_shaped(value: str) -> bool:
    """A value under a bare ``key`` name that looks random (kaggle.json, ``login(key=…)``)."""
    v = value.strip()
    if not _KEY_SHAPE.fullmatch(v):
        return False
    if re.fullmatch(r"[0-9a-f]{32}|[0-9a-f]{40}|[0-9a-f]{64}", v):
        return True
    return bool(re.search(r"\d", v) and re.search(r"[a-z]", v) and re.search(r"[A-Z]", v))


# -- names with values --------------------------------------------------------------------

_SPACED = [  # --password VALUE, %env TOKEN VALUE, ENV API_KEY VALUE: the name is followed by a space
    re.compile(r"--(?P<name>[a-z](?<![\w-]--[a-z])[\w.-]{0,60}+)[ \t]++(?=[^\s-])", re.ASCII),
    re.compile(r"%(?:set_)?env[ \t]++(?P<name>[a-z_][\w]{0,60}+)[ \t]++(?=\S)", re.ASCII),
    re.compile(r"env(?<![\w]env)[ \t]++(?P<name>[a-z_][\w]{0,60}+)[ \t]++(?=[^\s=])", re.ASCII),
]
_NAME_CHARS = string.ascii_letters + string.digits + "_.$-"
_NAME_END = re.compile(r"[\w.$-]*+", re.ASCII)
_ASSIGNMENT = re.compile(r"(?P<close>(?:\\?[\"'`]|\]){0,4}+)[ \t]*+(?P<op>:=|==|!=|=>|\+=|=|:(?![:/])|,)[ \t]*+")
_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)
_ANNOTATION = re.compile(r"[A-Za-z_][\w.]{0,40}(?:\[[^\]\n]{0,80}\])?(?:[ \t]*\|[ \t]*[A-Za-z_][\w.]{0,40}){0,3}"
                         r"[ \t]*=(?!=)[ \t]*")
_LITERAL = {q: re.compile(rf"(?:[^{q}\\\n]|\\.)*+") for q in ("'", '"', "`")}
# An unquoted value: up to a space, a quote, ``&``, ``;`` or a comma before the next name=.
_BARE = re.compile(r"(?:[^\s'\"`&;,]|,(?![ \t]*[A-Za-z_]\w*[ \t]*=))++")
_PAIR_CALLS = frozenset({"setdefault", "putenv", "setenv", "set_env", "set", "get", "getenv", "pop", "set_secret",
                         "store", "put", "add_header", "header", "__setitem__", "setitem", ""})
_SEQUENCE_ITEM = re.compile(r"[ \t]*(?:(?P<prefix>[rRbBuUfF]{0,2})(?P<q>[\"'])|(?P<ident>[A-Za-z_][\w.]*))")
_TUPLE_NAMES = frozenset({"auth", "credentials", "credential", "creds", "cred", "login"})


def _literal(text: str, quote_at: int) -> tuple[int, int, int]:
    """(start, end) of the contents of the literal opening at ``quote_at``, and the index
    past its closing quote (the end of the line or text when it is not closed)."""
    q = text[quote_at]
    if text.startswith(q * 3, quote_at):
        close = text.find(q * 3, quote_at + 3)
        return (quote_at + 3, len(text), len(text)) if close < 0 else (quote_at + 3, close, close + 3)
    body = _LITERAL[q].match(text, quote_at + 1)  # matches the empty string at least
    end = body.end() if body else quote_at + 1
    closed = end < len(text) and text[end] == q
    return quote_at + 1, end, end + 1 if closed else end


def _lower(text: str) -> str:
    """``text`` in lower case, index for index."""
    return text.lower() if text.isascii() else text.translate(_ASCII_LOWER)


def _name_spans(text: str, low: str, spans: list) -> None:
    done: set[int] = set()
    for regex in STEM_REGEXES:
        m = regex.search(low)
        while m:
            resume = m.end()
            if resume not in done:
                done.add(resume)
                resume = _assignment_spans(text, m.start(), m.end(), spans)
            m = regex.search(low, resume)
    for regex in _SPACED:
        for m in regex.finditer(low):
            name = text[m.start("name"): m.end("name")]
            if looks_secret_name(name):
                _value_spans(text, m.end(), "", name, False, spans)


def _assignment_spans(text: str, stem_at: int, end: int, spans: list) -> int:
    """Mask the value assigned to the name ending at ``end`` if it names a credential;
    returns where the value ends."""
    before = text[max(0, stem_at - 101): stem_at]
    start = stem_at - (len(before) - len(before.rstrip(_NAME_CHARS)))
    m = _ASSIGNMENT.match(text, end)
    if m is None or (start <= stem_at - 101 and start > 0):
        return end  # no assignment, or a run of name characters too long for a name
    key = text[start:end].lstrip("-$")
    weak = False
    if not looks_secret_name(key):
        if not is_bare_key(key):
            return m.end()
        weak = True
    close, op = m.group("close"), m.group("op")
    if op == ":" and not close and text[m.end(): m.end() + 1] in ("'", '"') and not _opens_entry(text, start):
        return m.end()  # "Password: " + ...: the name is text inside a string
    if op == ",":
        # ("PASSWORD", "…") pairs: os.environ.setdefault, os.putenv, .get(…, default), tuples
        if '"' not in close and "'" not in close:
            return m.end()
        opening = start - 1 if start and text[start - 1] in "\"'" else start
        if not _pair_call(text[max(0, opening - 40): opening]):
            return m.end()
    return _value_spans(text, m.end(), op, key, weak, spans)


def _opens_entry(text: str, start: int) -> bool:
    """Whether an unquoted ``name:`` starts a YAML line or a JS object entry."""
    line = text[max(0, text.rfind("\n", max(0, start - 200), start) + 1, start - 200): start].strip(" \t-")
    return line == "" or line.endswith(("{", ","))


def _pair_call(before: str) -> bool:
    """Whether the text before a quoted name opens a setter call or a bare tuple."""
    before = before.rstrip(" \t")
    if not before.endswith("("):
        return False
    before = before[:-1].rstrip(" \t")
    callee = before[len(before.rstrip(_NAME_CHARS)):]
    return callee.rsplit(".", 1)[-1] in _PAIR_CALLS and not before.endswith((")", "]"))


def _value_spans(text: str, at: int, op: str, key: str, weak: bool, spans: list) -> int:
    """Mask the value starting at ``at`` if it is a credential; returns where it ends."""
    if op == ":" and (annotated := _ANNOTATION.match(text, at)):
        at = annotated.end()
    if at >= len(text):
        return at
    char = text[at]
    prefix = _STRING_PREFIX.match(text, at)
    if prefix:
        at = prefix.end()
        char = text[at]
    if char == "\\" and text[at + 1: at + 2] in ("\"", "'"):
        close = text.find("\\" + text[at + 1], at + 2)
        end = len(text) if close < 0 else close
        _mask_if(text, at + 2, end, weak, spans)
        return end
    if char in "\"'`":
        inner_start, inner_end, end = _literal(text, at)
        _mask_if(text, inner_start, inner_end, weak, spans, f_string=bool(prefix and "f" in prefix.group().lower()))
        return end
    if char in "([":
        return at + 1 if weak else _sequence_spans(text, at + 1, key, spans)
    if char == "{" and not weak:
        return _dict_spans(text, at + 1, spans)
    bare = _BARE.match(text, at)
    if not bare:
        return at
    if op == ":" and _PROSE.match(text, at):
        return bare.end()  # "Password: must be at least 8 characters": a sentence, not a value
    verdict, length = _bare_verdict(bare.group(), weak)
    if verdict == "scheme":  # Authorization: Bearer <token>
        scheme = _SCHEME_VALUE.match(text, bare.end())
        if scheme:
            spans.append((scheme.start(1), scheme.start(1) + len(scheme.group(1).rstrip(",)]}>"))))
            return scheme.end()
    elif verdict == "secret":
        spans.append((at, at + length))
    return bare.end()


@lru_cache(maxsize=4096)
def _bare_verdict(raw: str, weak: bool) -> tuple[str, int]:
    """("secret", length to mask), ("scheme", 0) or ("", 0) for an unquoted value."""
    value = raw.rstrip(",)]}>.:")
    if _PLACEHOLDER.fullmatch(raw) or _PLACEHOLDER.fullmatch(value):
        return "", 0
    if weak:
        return ("secret", len(value)) if _key_shaped(value) else ("", 0)
    if value.lower() in ("bearer", "basic", "token", "digest"):
        return "scheme", 0
    return ("secret", len(value)) if _secret_bare(value) else ("", 0)


# A word of letters followed by more words: the text goes on as a sentence.
_PROSE = re.compile(r"[A-Za-z]{1,40}+[,.;]?[ \t]++[A-Za-z]")
_STRING_PREFIX = re.compile(r"[rRbBuUfF]{1,2}(?=[\"'])")
_SCHEME_VALUE = re.compile(r"[ \t]{1,4}([^\s'\"`]{1,4096})")


def _mask_if(text: str, start: int, end: int, weak: bool, spans: list, f_string: bool = False) -> None:
    value = text[start:end]
    if weak:
        if _key_shaped(value):
            spans.append((start, end))
    elif _secret_literal(value, f_string=f_string):
        spans.append((start, end))


_SEPARATOR = re.compile(r"[ \t]*,")


def _sequence_spans(text: str, at: int, key: str, spans: list) -> int:
    """``auth = ("user", "…")``: every literal but the user name; ``api_keys = ["…", "…"]``:
    all.  Returns where the scan stopped."""
    parts = components(key)
    keep_first = bool(parts) and parts[-1] in _TUPLE_NAMES
    for index in range(8):
        item = _SEQUENCE_ITEM.match(text, at)
        if not item:
            return at
        if item.group("q"):
            inner_start, inner_end, end = _literal(text, item.start("q"))
            if not (keep_first and index == 0):
                _mask_if(text, inner_start, inner_end, False, spans)
        else:
            end = item.end()
        sep = _SEPARATOR.match(text, end)
        if not sep:
            return end
        at = sep.end()
    return at


_DICT_ENTRY = re.compile(r"[ \t]*(?:\"[^\"\n]{0,100}\"|'[^'\n]{0,100}'|[A-Za-z_]\w{0,100})[ \t]*:[ \t]*")


def _dict_spans(text: str, at: int, spans: list) -> int:
    """``secrets = {"db": "…", "api": "…"}``: every literal value."""
    for _ in range(8):
        entry = _DICT_ENTRY.match(text, at)
        if not entry:
            return at
        item = _SEQUENCE_ITEM.match(text, entry.end())
        if not item:
            return entry.end()
        if item.group("q"):
            inner_start, inner_end, end = _literal(text, item.start("q"))
            _mask_if(text, inner_start, inner_end, False, spans)
        else:
            end = item.end()
        sep = _SEPARATOR.match(text, end)
        if not sep:
            return end
        at = sep.end()
    return at


def _call_spans(text: str, low: str, spans: list) -> None:
    """``HTTPBasicAuth("user", "…")``, ``smtp.login("me", "…")``: positional credentials."""
    for call in CREDENTIAL_CALLS:
        at = low.find(call)
        while at >= 0:
            at += len(call)
            _sequence_spans(text, at, "login", spans)
            at = low.find(call, at)


# -- redaction ----------------------------------------------------------------------------

def _merge(text: str, spans: list) -> str:
    spans.sort()
    out: list[str] = []
    position = 0
    for start, end in spans:
        if end <= position or end <= start:
            continue
        start = max(start, position)
        out.append(text[position:start])
        out.append(MASK)
        position = end
    out.append(text[position:])
    return "".join(out)


def redact_text(text: str) -> str:
    """Mask everything in ``text`` that looks like a credential (linear in ``len(text)``)."""
    if not text:
        return text
    if "-----BEGIN " in text:  # key blocks span lines: masked before the text is divided
        text = _merge(text, [m.span("s") for m in PEM.finditer(text)])
    low = _lower(text)
    regions = dense_regions(text, low)
    if not regions:
        return _redact(text, low)
    out: list[str] = []
    position = 0
    for start, end in regions:
        out.append(_redact(text[position:start], low[position:start]))
        out.append(redact_dense(text[start:end]))
        position = end
    out.append(_redact(text[position:], low[position:]))
    return "".join(out)


def _redact(text: str, low: str) -> str:
    """Each candidate judged on its own (see the module's docstring)."""
    if not text:
        return text
    spans: list[tuple[int, int]] = []
    format_spans(text, low, spans)
    url_spans(text, spans)
    _name_spans(text, low, spans)
    _call_spans(text, low, spans)
    return _merge(text, spans) if spans else text


def redact_value(name: str, value: str) -> str:
    """A param or tag value: masked whole under a credential name, else redacted as text."""
    if looks_secret_name(name) and _secret_literal(value):
        return MASK
    if is_bare_key(name) and _key_shaped(value):
        return MASK
    return redact_text(value)


def redact_mapping(values: Mapping[str, object]) -> dict[str, str]:
    """Params or tags: values under secret-looking names are masked whole."""
    return {str(k): redact_value(str(k), str(v)) for k, v in values.items()}
