"""CASE 1.1 (Competencies and Academic Standards Exchange) JSON packages: read and write.

A package is kept as the publisher wrote it: every object's JSON is carried through untouched, so a
package exported again is the same framework to any other CASE tool. The reader only adds what
Trellis needs on top (the tree from ``isChildOf`` associations) and refuses what no CASE tool could
read, naming the JSON path.
"""

from trellis.interop.case.package import (
    ASSOCIATION_TYPES,
    CaseAssociation,
    CaseError,
    CaseItem,
    CasePackage,
    package_dict,
    package_json,
    read_package,
)

__all__ = [
    "ASSOCIATION_TYPES",
    "CaseAssociation",
    "CaseError",
    "CaseItem",
    "CasePackage",
    "package_dict",
    "package_json",
    "read_package",
]
