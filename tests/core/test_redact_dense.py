"""Text packed with credential syntax is redacted broadly (redact_dense.py): nothing a
precise scan would mask survives there, and ordinary text is never taken for it."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from jupyter_mlops.core.tracking.redact import MASK, redact_text
from jupyter_mlops.core.tracking.redact_dense import BLOCK, dense_regions

sys.path.insert(0, str(Path(__file__).parent))
from secrets_corpus import look_alikes, secrets  # noqa: E402

SECRETS = secrets()
FILLERS = {
    "assignments on one line": "token= ",
    "assignments, a line each": "token= x\n",
    "calls": 'login("u", ',
    "urls": "https://u:p@",
    "json": '"password": "hunter2", ',
    "flags": "--token abc ",
}


def dense(unit: str, size: int = 3 * BLOCK) -> str:
    """Whole repetitions of ``unit`` (a cut one would leave a quote open)."""
    return unit * (size // len(unit) + 1)


@pytest.mark.parametrize("filler", sorted(FILLERS))
def test_packed_text_is_found_dense(filler):
    text = dense(FILLERS[filler])
    [(start, end)] = dense_regions(text, text.lower())
    assert start == 0 and text[end:] in ("", "\n")


@pytest.mark.parametrize("filler", sorted(FILLERS))
def test_every_secret_inside_a_dense_stretch_is_masked(filler):
    """The broad masking is a superset of the precise one: each corpus secret, set in the
    middle of a dense stretch (on its own line and inline), is masked."""
    unit = FILLERS[filler]
    leaked = []
    for case in SECRETS:
        for joint in ("\n", " "):
            text = dense(unit) + joint + case.text + joint + dense(unit)
            if case.secret in redact_text(text):
                leaked.append(case.text)
    assert not leaked


def test_ordinary_text_is_never_dense():
    """Logs, code, listings and configs that mention tokens and keys, at realistic density
    (dense means more than 64 credential-like assignments in 4 KB)."""
    samples = [
        "epoch 3 step 1200 loss=0.2345 acc=0.91 lr=1e-4 tokens/s=5123.4\n",
        "{'Key': 'data/part-0001.parquet', 'LastModified': '2026-01-02', 'Size': 12345}\n",
        "tests/test_auth.py::test_login PASSED\n",
        "    tokenizer = AutoTokenizer.from_pretrained(name)\n    model = AutoModel.from_pretrained(name)\n",
        ('  "architectures": ["BertModel"],\n  "bos_token_id": 0,\n  "eos_token_id": 2,\n  "hidden_act": "gelu",\n'
         '  "hidden_size": 768,\n  "max_position_embeddings": 512,\n  "pad_token_id": 1,\n  "vocab_size": 30522,\n'),
        "GET https://example.com/api/v1/items?page=2 200 12ms\n",
    ]
    for line in samples:
        text = dense(line, 20 * BLOCK)
        assert dense_regions(text, text.lower()) == [], line
        assert redact_text(text) == text, line


def test_short_text_is_never_dense():
    """A short text, however packed, is judged piece by piece (it is cheap), so the
    look-alikes of the corpus are kept even when they are all candidates."""
    for case in look_alikes():
        assert dense_regions(case.text, case.text.lower()) == []
    assert redact_text("token= token= token=") != MASK


def test_a_dense_block_keeps_the_sparse_text_around_it():
    """Only the dense blocks (4 KB, widened to lines) are masked broadly: what lies a block
    or more away is redacted piece by piece, and kept."""
    before = "print('start of the log')\n" * 400
    after = "api_key = 'sk-live-Zx81Qa02Lk39Vb74Nc65Md56'\nall done\n" + "loss=0.1\n" * 1000
    out = redact_text(before + dense("token= x\n") + after)
    assert out.startswith(before[: len(before) - BLOCK - 100])
    assert out.endswith(after[BLOCK + 100:])
    assert "Zx81Qa02" not in out
