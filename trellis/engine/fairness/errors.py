"""Errors an audit reports to the person who supplied the data."""

from __future__ import annotations


class AuditInputError(ValueError):
    """The audit input cannot be used as given.

    Raised for an unreadable file, an empty table, a column that does not exist (the message names
    it and lists the available columns), a prediction or label that is not binary (the message names
    the column and shows an offending value), a non-numeric or non-finite score, and an unknown
    reference group. The message is meant to be shown to the person as is.
    """
