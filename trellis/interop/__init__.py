"""Readers and writers for education data standards (OneRoster, CASE, xAPI). No Django."""
