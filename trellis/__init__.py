"""Trellis: human infrastructure for AI in K-12 schools."""
