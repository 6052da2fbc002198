"""Models: registering a model in memory (``registry``, ``flavors``, ``gate``), reading the
registry back (``catalog``) and serving versions (``deploy``, ``serving``)."""
