"""Lineage: dataset -> run -> logged model -> version -> alias -> deployment, as a graph
(``graph``), over a per-experiment index of runs (``index``) and the registry's side
(``model_nodes``)."""
