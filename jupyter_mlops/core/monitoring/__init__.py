"""Monitoring of deployed models: prediction log, metrics, reference profiles, drift, alerts."""
