"""Every write of the learning app. Views, the command line and jobs call these."""

from trellis.learning.services.coaching import (
    cycle_start,
    cycle_update,
    observation_record,
    self_assessment_record,
)
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
from trellis.learning.services.offerings import (
    SignInSheetRefused,
    attendance_record,
    attendance_upload,
    offering_create,
    offering_publish,
    registration_cancel,
    registration_join,
    session_add,
)
from trellis.learning.services.proposals import proposal_answer, proposal_create
from trellis.learning.services.surveys import (
    RESULTS_MIN_RESPONSES,
    TEMPLATES,
    has_answered,
    survey_create,
    survey_respond,
)
from trellis.learning.services.xapi import XapiRefused, xapi_import, xapi_import_start, xapi_place_again

__all__ = [
    "cycle_start",
    "cycle_update",
    "observation_record",
    "self_assessment_record",
    "FrameworkImport",
    "FrameworkRefused",
    "competency_update",
    "framework_default",
    "framework_import",
    "framework_new_version",
    "framework_package",
    "framework_publish",
    "SignInSheetRefused",
    "attendance_record",
    "attendance_upload",
    "offering_create",
    "offering_publish",
    "registration_cancel",
    "registration_join",
    "session_add",
    "proposal_answer",
    "proposal_create",
    "RESULTS_MIN_RESPONSES",
    "TEMPLATES",
    "has_answered",
    "survey_create",
    "survey_respond",
    "XapiRefused",
    "xapi_import",
    "xapi_import_start",
    "xapi_place_again",
]
