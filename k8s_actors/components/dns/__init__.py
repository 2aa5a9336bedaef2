"""Cluster DNS (layer 3)."""
