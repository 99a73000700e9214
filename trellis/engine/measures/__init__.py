"""Professional-learning measures: participation, practice, outcomes and equity of access.

``compute(tables_dir, year=...)`` reads the Parquet tables of :mod:`trellis.engine.measures.schema`
and returns a :class:`MeasureResult` whose every cell passed minimum-n and complementary
suppression. Django-free: the learning app writes the tables, the engine reads them.
"""

from trellis.engine.measures.compute import BY_KINDS, compute
from trellis.engine.measures.result import GROUP_KINDS, MEASURES, Gap, MeasureInputError, MeasureResult, MeasureRow
from trellis.engine.measures.schema import DURABLE_FORMATS, FORMATS, LOCALES, SCHEMAS, write_table, year_bounds

__all__ = [
    "BY_KINDS",
    "DURABLE_FORMATS",
    "FORMATS",
    "GROUP_KINDS",
    "LOCALES",
    "MEASURES",
    "SCHEMAS",
    "Gap",
    "MeasureInputError",
    "MeasureResult",
    "MeasureRow",
    "compute",
    "write_table",
    "year_bounds",
]
