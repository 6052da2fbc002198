"""Tracking: what a ``%%track`` cell or a ``track()`` block records, and how it reaches MLflow.

The critical path (``capture``, ``fingerprint``, ``defuse``/``codeinfo``, ``redact``,
``journal``, ``session``) runs in the user's process and never imports mlflow; the
``drainer`` process replays the journal into MLflow through ``sink``.
"""
