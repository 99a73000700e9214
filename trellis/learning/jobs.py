"""Background job kinds of the learning app."""

from __future__ import annotations
