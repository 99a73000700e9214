"""Deterministic synthetic data shaped like a real state."""
