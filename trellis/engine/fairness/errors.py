"""Errors an audit reports to the person who supplied the data."""

from __future__ import annotations


class AuditInputError(ValueError):
    """The audit input cannot be used as given.

    Raised for an unreadable file, an empty table, a column that does not exist (the message names
    it and lists the available columns), a prediction or label that is not binary (the message names
    the column and shows an offending value), a non-numeric or non-finite score, and an unknown
    reference group. The message is meant to be shown to the person as is.
    """


class AuditWarning(UserWarning):
    """Something in the audit input was read in a way the person should know about.

    Issued when attribute values that differ only by surrounding spaces are counted as one group,
    or when a real value reads "(missing)" and is kept apart from the missing values. The message
    gives the counts and is meant to be shown as is.
    """
