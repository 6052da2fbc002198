"""Text packed with credential syntax, redacted broadly instead of piece by piece.

``redact.py`` judges each candidate (a credential-like name before an assignment, a URL
with a user, a ``login(`` call) in Python, a few microseconds each.  Real text has one
such candidate per line at most, but ``token= token= ...`` or ``https://u:p@`` repeated
has one every few characters, and judging each would take half a second per megabyte.

So text is looked at in 4 KB blocks: a block with more candidates than one every 64
characters is *dense*.  Dense blocks, widened to whole lines, are redacted here by a few
regex substitutions that run at the engine's speed and mask a superset of what the
precise scan would: every value after an ``=``, ``:``, ``,`` or bracket, the values of
``--flags`` and ``env NAME``, and the token formats (key blocks are masked before the
text is divided, since they span lines).
Nothing secret survives; some harmless values in such a block are masked too.
"""

from __future__ import annotations

import re

from .secret_formats import format_spans
from .secret_names import CREDENTIAL_CALLS, STEM_REGEXES, STEMS

MASK = "***"
BLOCK = 4096
CHARS_PER_CANDIDATE = 64  # denser than this is dense

_URL_USER = re.compile(r"://[^\s/?#@:'\"<>`]{0,256}+:")
# In a dense stretch every value goes, whatever its name: the value after each ``=``, ``:``,
# ``,`` or opening bracket (a quoted string to its closing quote, a triple-quoted one
# across lines, an auth scheme with its token, or a bare word), the value after a
# ``--flag`` and after ``env NAME``.  The replacement is a plain string, so ``re.sub``
# runs without calling back into Python for each of the many matches.
_VALUE = re.compile(
    r"(?<=[=:,(\[{])[ \t]*+(?:"
    r"(?i:bearer|basic|token|digest)[ \t]++\S{1,4096}+"
    r"|[rRbBuUfF]{0,2}(?P<t>\"\"\"|''')(?:(?!(?P=t))[\s\S]){0,8192}+(?P=t)?"
    r"|[rRbBuUfF]{0,2}(?P<c>[\"'`])(?:(?!(?P=c))[^\n\\]|\\.){0,4096}+(?P=c)?"
    r"|\\(?P<e>[\"'])(?:(?!\\(?P=e))[^\n]){0,4096}+(?:\\(?P=e))?"
    r"|[^\s\"'`,;)\]}]{1,4096}+)")
_FLAGS = [(re.compile(r"--(?<![\w-]--)[A-Za-z][\w.-]{0,60}+[ \t]++\S{1,4096}+"), "--" + MASK),
          (re.compile(r"env[ \t]++\S{1,60}+[ \t]++\S{1,4096}+"), "env " + MASK)]
# What the precise scan would look at, counted quickly: a stem, a URL, a bracket (calls),
# a ``--flag`` or an ``env`` (a block this dense is dense, whatever the details).
_COUNTED = (*STEMS, "://", "(", "--", "env")
_SURELY_DENSE = 16  # characters per counted place


def _candidates(low: str, start: int, end: int) -> int:
    """How many places in ``low[start:end]`` the precise scan would judge one by one."""
    names = sum(len(regex.findall(low, start, end)) for regex in STEM_REGEXES)
    calls = sum(low.count(call, start, end) for call in CREDENTIAL_CALLS)
    spaced = low.count("--", start, end) + low.count("env", start, end)
    return names + calls + spaced + len(_URL_USER.findall(low, start, end))


def _dense(low: str, start: int, end: int) -> bool:
    """More than a block's worth of places: one every 64 characters of a full block (so a
    short text, however packed, is never dense: judging it piece by piece is cheap)."""
    places = sum(low.count(word, start, end) for word in _COUNTED)  # an upper bound, at memory speed
    if places <= BLOCK // CHARS_PER_CANDIDATE:
        return False
    if places > BLOCK // _SURELY_DENSE:
        return True
    return _candidates(low, start, end) > BLOCK // CHARS_PER_CANDIDATE


def dense_regions(text: str, low: str) -> list[tuple[int, int]]:
    """The dense blocks of ``text`` widened to whole lines and merged, in order; ``low`` is
    ``text`` lower-cased index for index."""
    if sum(low.count(word) for word in _COUNTED) * CHARS_PER_CANDIDATE <= max(len(text), BLOCK):
        return []  # most text stops here
    regions: list[tuple[int, int]] = []
    for start in range(0, len(text), BLOCK):
        end = min(len(text), start + BLOCK)
        if regions and end <= regions[-1][1] or not _dense(low, start, end):
            continue  # already inside a dense line, or not dense
        line_start, line_end = _widen(text, start, end)
        if regions and line_start <= regions[-1][1]:
            regions[-1] = (regions[-1][0], max(regions[-1][1], line_end))
        else:
            regions.append((line_start, line_end))
    return regions


def _widen(text: str, start: int, end: int) -> tuple[int, int]:
    """``start:end`` widened to whole lines, however long: a cut inside a line could part
    a name from its value (``--token | abc``), and the broad masking costs no more."""
    line_end = text.find("\n", end)
    return text.rfind("\n", 0, start) + 1, len(text) if line_end < 0 else line_end


def redact_dense(text: str) -> str:
    """Mask, broadly, every credential in a dense stretch of text."""
    text = _VALUE.sub(MASK, text)
    for regex, replacement in _FLAGS:
        text = regex.sub(replacement, text)
    spans: list[tuple[int, int]] = []
    format_spans(text, text.lower(), spans)
    if not spans:
        return text
    spans.sort()
    out: list[str] = []
    position = 0
    for start, end in spans:
        if end <= position:
            continue
        out.append(text[position:max(start, position)])
        out.append(MASK)
        position = end
    out.append(text[position:])
    return "".join(out)
