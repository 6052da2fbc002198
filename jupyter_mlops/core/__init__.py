"""The core layer: everything that is not a notebook, a server or a pipeline.

    config.py, names.py   settings and the one list of tag names we write
    store/                the one door to MLflow (clients, filters, run queries, compat)
    tracking/             %%track and track(): capture, fingerprints, journal, drainer
    models/               %register, %deploy: registry, flavors, gate, serving
    lineage/              the lineage graph and its index

Nothing in here imports IPython, tornado or jupyter_server (tests/test_layers.py).
"""
