"""The core layer: MLflow access, capture, fingerprints, journal, lineage.

Nothing in here imports IPython, tornado or jupyter_server (tests/test_layers.py).
"""
