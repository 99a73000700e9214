"""Plain-Python computation: fairness metrics, intervals, suppression, synthetic data. No Django."""
