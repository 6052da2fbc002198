"""Renderers: each writes one target's files into a folder and returns how to run them."""
