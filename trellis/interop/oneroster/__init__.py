"""Read OneRoster 1.2 and 1.1 CSV rosters (plain Python and DuckDB; no Django).

A district or state exports its roster from its student information system; Trellis imports it
with :func:`read_roster`. Staff come back as :class:`StaffRecord` for the account service.
Students are pseudonymised (trellis.interop.pseudonym) and written only to Parquet under the
staging folder, keeping the ESSA subgroup attributes and nothing else: their names, usernames,
emails, passwords, phone numbers, birth dates and raw sourcedIds are never written, logged or
quoted in a message. :func:`merge_student_store` applies a staged roster to the Parquet store.

The heavy files (users, roles, demographics, enrollments) are read, checked and pseudonymised in
DuckDB SQL: every check is a query, and a refusal lists the rows it found. DuckDB runs in memory
with spilling to disk switched off, so names read from users.csv never reach a disk; a zip is
unpacked under ``staging_dir`` and removed before read_roster returns or raises.

Which files
-----------
``manifest.csv`` gives the version (``oneroster.version``) and each file's mode
(``file.<name>`` = bulk | delta | absent). Without a manifest every file present is read as
bulk. The version is read from the headers when the manifest has none or contradicts them
(1.1: users.csv has ``role`` and ``orgSourcedIds``; 1.2: roles.csv). Trellis reads orgs,
academicSessions, courses, classes, users, roles (1.2), demographics and enrollments; the
gradebook and resource files are ignored with a warning.

Program flags
-------------
Extension columns (OneRoster's ``metadata.*``), read from demographics.csv when it has the
column, else from users.csv. Values are booleans (below); blank means not reported.

- ``metadata.englishLearner`` -> ``english_learner``; aliases ell, el, lep,
  englishLanguageLearner
- ``metadata.studentWithDisability`` -> ``disability`` (IDEA); aliases iep, swd, idea,
  disability, studentsWithDisabilities
- ``metadata.economicallyDisadvantaged`` -> ``economically_disadvantaged``; aliases frl, frpl,
  ecoDis, economicDisadvantage, lowIncome (values must still be true/false: a free/reduced
  lunch code such as F or R is refused, not guessed)
- ``metadata.homeless`` -> ``homeless``; alias mckinneyVento
- ``metadata.fosterCare`` -> ``foster_care``; alias foster
- ``metadata.militaryConnected`` -> ``military_connected``; alias military
- ``metadata.migrant`` -> ``migrant``; alias migrantStatus

(Aliases are written ``metadata.<alias>``.) orgs.csv may carry ``metadata.locale``: city, suburb,
town or rural (an NCES locale code 11-43 is read as its category, with a warning). Race/ethnicity
comes from the demographics.csv race booleans, ``hispanicOrLatinoEthnicity`` and
``demographicRaceTwoOrMoreRaces`` as one EDFacts code (HI7 first, then MU7 when two or more races
are stated or flagged, else AM7/AS7/BL7/PI7/WH7; null when none). Sex: female F, male M, other X,
unspecified or blank null. birthDate and birthplace columns are passed over, never loaded.

What is accepted and what is refused
------------------------------------
Refusal raises :class:`RosterError` with up to 20 :class:`RosterProblem` (file, row, column,
message); row is the line a spreadsheet shows (header = row 1). Warnings are
:class:`RosterWarning` in ``RosterBundle.warnings``. Nothing is written outside ``staging_dir``.

=============================================================  ==================================
Case                                                           Decision
=============================================================  ==================================
Header in other case/spacing/underscores (``sourced_id``)      accept, warn per column
Unknown extra column                                           ignore, warn per column
Required column missing (or ``status`` in a delta file)        refuse
No ``sourcedId`` column (likely no header row)                 refuse; header not quoted back
Two columns that read as the same name                         refuse
UTF-8 BOM; CRLF line ends                                      accept silently
Row with more or fewer values than the header; not UTF-8      refuse (row number, no content)
Header ending in unnamed columns; rows leaving them out        accept, warn once
File with a header and no rows                                 read as absent (nothing it holds
                                                               changes), warn
Manifest ``file.<name>`` with an empty value                   read as absent, warn
demographics.csv (1.1) whose id column is ``userSourcedId``    read as sourcedId, warn
File listed bulk/delta in the manifest but missing             refuse
File present but marked absent / not listed in the manifest    ignore / read as bulk; warn
No manifest.csv                                                accept as bulk, warn
users, roles and demographics in different modes               refuse
1.2 bulk users.csv without roles.csv                           refuse (students vs staff unknown)
Required value blank                                           refuse
Staff user without username, givenName or familyName          refuse (students: not checked,
                                                               their names are never kept)
Staff sourcedId/username/names longer than an account keeps
(255/150/150/150); org sourcedId/name past 255/200             refuse, by row (never cut short)
NUL byte in a staff or org value that is stored                refuse, by row
Staff email that is not an email address                       import without the email, warn
Org identifier longer than 12 characters                       kept, not as the NCES id
Duplicate sourcedId in a file (bulk or delta)                  refuse
Reference to an unknown record in a bulk file (role/
enrollment/demographics -> user; -> org; class -> school)      refuse
Session parent, course school year, class course or terms
not in the file                                                accept without the link, warn
Class with empty courseSourcedId, set without courses          accept, warn
Reference into a delta file                                    accept (may name a stored record)
Reference into a file absent from the set                      accept as given, warn
Org parent not in orgs.csv (a district's state)                accept as given, silently; the
                                                               import service places the org
                                                               under the org the import is run
                                                               for, or refuses by row
Enumeration in another letter case (``Teacher``)               accept, warn per column
A role named as in the other version (1.1 ``administrator``
in 1.2 roles.csv; 1.2 ``principal`` in 1.1 users.csv)          accept as a staff role, warn
Enumeration value unknown                                      refuse
``ext:`` value where 1.2 allows extensions                     accept, warn; ext: org types
                                                               skipped, ext: roles are staff
Org type department                                            kept (type "department") so the
                                                               service places it at its school
Org type national                                              skip, warn
Boolean TRUE/True/1/0/yes/no/y/n                               accept, warn per column
Boolean anything else                                          refuse
Date 2023-1-5, 1/05/2023 (month/day/year), ISO date-time       accept, warn once per file
Date unparsable or two-digit year, in a required column        refuse
Date unparsable in an optional column                          accept as empty, warn
schoolYear ``2023-2024``                                       accept as 2024, warn
status blank or active in a bulk file                          accept (active)
status tobedeleted in a bulk file                              leave the row out, warn
status ``inactive`` (OneRoster 1.0)                            accept as tobedeleted, warn
status blank in a delta file                                   refuse
Student grade 9, K, PreK (not CEDS)                            accept as 09, KG, PK, warn
Student grade not a grade level                                refuse
metadata.locale not a locale or NCES code                      refuse
Guardian, parent, relative users                               drop, count in summary
User with a student role and a staff role                      student (no account)
User with no role (1.2)                                        bulk: leave out, warn; delta:
                                                               update stored students only
Enrollment of a guardian/parent/relative                       leave out, warn
=============================================================  ==================================

Student-level Parquet rows are sorted by pseudonym (students) or by class and pseudonym
(enrollments), never left in file order: an export sorted by student id would otherwise let
anyone holding the id list line pseudonyms up with ids. An enrollment's own sourcedId is not kept
(exports often build it from the student's id); class, person and role identify it.

A refusal never quotes a value from users, roles, demographics or enrollments (a value in the
wrong column may be a student's name, and the message is stored with the job): it names the file,
row and column. A warning about a value Trellis recognised (``Teacher`` for ``teacher``) may
quote it when it is short, has no ``@`` or run of five digits, and is not that row's id, name,
username, email or identifier.
Row numbers count records; a quoted field holding a line break would shift later rows by one.
"""

from trellis.interop.oneroster.problems import RosterError, RosterProblem, RosterWarning
from trellis.interop.oneroster.reader import read_roster
from trellis.interop.oneroster.records import (
    AcademicSessionRecord,
    CourseRecord,
    OrgRecord,
    RosterBundle,
    SchoolStats,
    StaffRecord,
    StaffRole,
)
from trellis.interop.oneroster.store import merge_student_store, students_leaving
from trellis.interop.oneroster.tuning import cycle_collector_paused

__all__ = [
    "AcademicSessionRecord",
    "CourseRecord",
    "OrgRecord",
    "RosterBundle",
    "RosterError",
    "RosterProblem",
    "RosterWarning",
    "SchoolStats",
    "StaffRecord",
    "StaffRole",
    "cycle_collector_paused",
    "merge_student_store",
    "read_roster",
    "students_leaving",
]
