"""Redaction time on adversarial text, and how well it tells secrets from look-alikes.

For each input, 1 MB by default, this prints the time of ``redact_text`` against a
plain linear ``re`` scan of the same text (one compiled alternation of the credential
words, the cheapest pass a redactor can make) and against the redactor as it was before
issue #12 on a slice of the input (its time grows faster than the length, so the
whole megabyte would take hours).  Then the corpus figures from
``tests/core/secrets_corpus.py``: the share of secrets masked and of look-alikes masked.

    python benchmarks/redact.py [--mb 1.0] [--old-kb 4]
"""

from __future__ import annotations

import argparse
import random
import re
import string
import sys
import time
import uuid
from pathlib import Path

from jupyter_mlops.core.tracking.redact import redact_text

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "core"))


def _old_redactor():
    """The key=value and token patterns of redact.py before issue #12 (verbatim)."""
    mask = "***"
    patterns = [
        (re.compile(r"(?P<head>\b[a-zA-Z][\w+.-]*://[^/\s:@'\"]+):[^@\s/'\"]+@"), r"\g<head>:" + mask + "@"),
        (re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----.*?-----END [A-Z ]*PRIVATE KEY-----", re.S), mask),
        (re.compile(r"\b(AKIA|ASIA)[0-9A-Z]{16}\b"), mask),
        (re.compile(r"\bgh[pousr]_[A-Za-z0-9]{30,}\b"), mask),
        (re.compile(r"\bgithub_pat_[A-Za-z0-9_]{30,}\b"), mask),
        (re.compile(r"\bxox[abprs]-[A-Za-z0-9-]{10,}\b"), mask),
        (re.compile(r"\bsk-[A-Za-z0-9_-]{20,}\b"), mask),
        (re.compile(r"\bAIza[0-9A-Za-z_-]{35}\b"), mask),
        (re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\b"), mask),
        (re.compile(r"(?i)\b(bearer|token)\s+[A-Za-z0-9._~+/-]{16,}=*"), r"\1 " + mask),
        (re.compile(
            r"(?P<key>\b[\w.-]*(?:pass(?:word|wd)?|secret|token|api[_-]?key|apikey|access[_-]?key)[\w.-]*"
            r"['\"]?\]?\s*[:=]\s*)(?P<quote>['\"]?)(?P<value>(?![-+]?[\d.]+(?:e[-+]?\d+)?\b)[^'\"\s,;)}]{3,})(?P=quote)",
            re.IGNORECASE), r"\g<key>\g<quote>" + mask + r"\g<quote>"),
    ]

    def old(text: str) -> str:
        for pattern, replacement in patterns:
            text = pattern.sub(replacement, text)
        return text

    return old


_PLAIN_SCAN = re.compile(r"(?i)password|passwd|pwd|secret|token|api_?key|credential|auth|://|-----BEGIN")


def adversarial(size: int) -> dict[str, str]:
    rng = random.Random(12)

    def fill(unit: str) -> str:
        return (unit * (size // len(unit) + 1))[:size]

    b64 = string.ascii_letters + string.digits + "+/="
    inputs = {
        "UUIDs joined by '-' (issue #12)":
            "-".join(str(uuid.UUID(int=rng.getrandbits(128))) for _ in range(size // 37 + 1))[:size],
        "'ab-' repeated (issue #12)": fill("ab-"),
        "'a.' repeated": fill("a."),
        "python source (realistic)": fill("def f(x, lr=0.1):\n    y = model(x) * scale  # comment\n    return y\n"),
        "training log (realistic)": fill("epoch 3 step 1200 loss=0.2345 acc=0.91 lr=1e-4 tokens/s=5123.4\n"),
        "base64 blob, no spaces": "".join(rng.choice(b64) for _ in range(size)),
        "hex run": "".join(rng.choice("0123456789abcdef") for _ in range(size)),
        "one long word": fill("a"),
        "tokentoken... (secret word, no separator)": fill("token"),
        "'password=' repeated": fill("password="),
        "'token= ' repeated (every key a candidate)": fill("token= "),
        "'\"password\": \"x\", ' repeated (every key a secret)": fill('"password": "hunter2", '),
        "'api_key_' repeated": fill("api_key_"),
        "'a=' repeated": fill("a="),
    }
    for char in "-.=:@/\"' \n":
        inputs[f"{char!r} * n"] = fill(char)
    inputs.update({
        "'://a:' repeated": fill("://a:"),
        "'https://u:p@' repeated": fill("https://u:p@"),
        "'x:y@' repeated": fill("x:y@"),
        "'eyJ' repeated": fill("eyJ"),
        "'eyJabcdefgh.' repeated": fill("eyJabcdefgh."),
        "'sk-' repeated": fill("sk-"),
        "'ghp_' + 35 letters repeated": fill("ghp_" + "a" * 35),
        "'xoxb-' repeated": fill("xoxb-"),
        "BEGIN PRIVATE KEY without END, repeated": fill("-----BEGIN RSA PRIVATE KEY-----\nMIIE\n"),
        "'Bearer ' repeated": fill("Bearer "),
        "'login(\"u\", ' repeated": fill('login("u", '),
        "'(\"password\", ' repeated": fill('("password", '),
        "'--token ' repeated": fill("--token "),
        "'password: str = ' repeated": fill("password: str = "),
        "'\\\\\"' repeated": fill('\\"'),
        "'token= x' lines": fill("token= x\n"),
        "'auth_ok=1 token_count=5 key=3' lines": fill("auth_ok=1 token_count=5 key=3\n"),
        "'password=<random>' lines": "".join(f"password={rng.getrandbits(40):x}\n" for _ in range(size // 20))[:size],
        "'--token <random>' repeated": "".join(f"--token {rng.getrandbits(40):x} " for _ in range(size // 20))[:size],
        "63 characters per assignment (just below dense)": fill("x" * 50 + " api_key='abc'\n"),
    })
    return inputs


def best_of(fn, repeats: int = 3) -> float:
    """Best CPU time of a few runs: the machine may be shared, CPU time is what we use."""
    best = float("inf")
    for _ in range(repeats):
        started = time.process_time()
        fn()
        best = min(best, time.process_time() - started)
    return best


def timing(size: int, old_size: int) -> None:
    old = _old_redactor()
    print(f"CPU ms of redact_text on {size / 1e6:.1f} MB; of a plain re scan of the same text; "
          f"of the old redactor on its first {old_size // 1000} KB")
    old_column = f"old ms @{old_size // 1000}KB"
    print(f"{'input':52} {'ours ms':>9} {'re scan ms':>11} {'ours MB/s':>10} {old_column:>12}")
    worst = 0.0
    for label, text in adversarial(size).items():
        ours = best_of(lambda text=text: redact_text(text))
        scan = best_of(lambda text=text: _PLAIN_SCAN.findall(text))
        then = best_of(lambda text=text: old(text[:old_size]), repeats=1)
        worst = max(worst, ours)
        print(f"{label[:52]:52} {ours * 1000:9.1f} {scan * 1000:11.1f} {size / ours / 1e6:10.1f} {then * 1000:12.1f}")
    print(f"worst: {worst * 1000:.1f} ms for {size / 1e6:.1f} MB")


def corpus_figures() -> None:
    from secrets_corpus import look_alikes, secrets

    found = secrets()
    missed = [c for c in found if c.secret in redact_text(c.text)]
    alikes = look_alikes()
    masked = [c for c in alikes if redact_text(c.text) != c.text]
    print(f"\ncorpus: {len(found) - len(missed)}/{len(found)} secrets masked "
          f"({100 * (len(found) - len(missed)) / len(found):.1f}%), "
          f"{len(masked)}/{len(alikes)} look-alikes masked ({100 * len(masked) / len(alikes):.1f}%)")
    for case in missed:
        print(f"  missed [{case.family}] {case.text!r}")
    for case in masked:
        print(f"  masked look-alike [{case.family}] {case.text!r} -> {redact_text(case.text)!r}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=1.0, help="size of each adversarial input in MB (default 1)")
    parser.add_argument("--old-kb", type=int, default=4, help="slice given to the old redactor, in KB (default 4)")
    args = parser.parse_args()
    timing(int(args.mb * 1_000_000), args.old_kb * 1000)
    corpus_figures()


if __name__ == "__main__":
    main()
