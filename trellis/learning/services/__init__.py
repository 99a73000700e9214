"""Every write of the learning app. Views, the command line and jobs call these."""

from trellis.learning.services.frameworks import (
    FrameworkImport,
    FrameworkRefused,
    competency_update,
    framework_default,
    framework_import,
    framework_new_version,
    framework_package,
    framework_publish,
)

__all__ = [
    "FrameworkImport",
    "FrameworkRefused",
    "competency_update",
    "framework_default",
    "framework_import",
    "framework_new_version",
    "framework_package",
    "framework_publish",
]
