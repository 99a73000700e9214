"""Every string of the public pages has a Spanish translation, and the compiled catalog is current."""

from __future__ import annotations

import ast
import gettext
import re
import subprocess
from pathlib import Path

import pytest
from django.utils.translation.template import templatize

TRELLIS = Path(__file__).resolve().parents[2] / "trellis"
LOCALE = TRELLIS / "locale" / "es" / "LC_MESSAGES"
PUBLIC_TEMPLATES = sorted(path for app in ("tools", "vision", "commons", "recognition")
                          for path in (TRELLIS / app / "templates" / "public").glob("*.html")) + [
    TRELLIS / "tools" / "templates" / "tools" / "_field.html", TRELLIS / "tools" / "templates" / "tools" / "_form.html",
    TRELLIS / "commons" / "templates" / "commons" / "_pagination.html"]
PUBLIC_PYTHON = [TRELLIS / "tools" / name for name in ("public.py", "forms.py", "vocabulary.py", "models.py")] + [
    TRELLIS / "vision" / "public.py", TRELLIS / "vision" / "forms.py", TRELLIS / "commons" / "public.py",
    TRELLIS / "recognition" / "public.py", TRELLIS / "recognition" / "forms.py"]
STRING = r"""((?:'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")(?:\s*(?:'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"))*)"""
CALL = re.compile(r"\b(?:n?gettext|gettext_lazy|_)\(\s*u?" + STRING)  # templatize writes gettext(u'...')


def msgids(source: str) -> set[str]:
    found = set()
    for match in CALL.finditer(source):
        parts = re.findall(r"""'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*\"""", match.group(1))
        found.add("".join(ast.literal_eval(part) for part in parts))
    return found


def public_msgids() -> set[str]:
    ids: set[str] = set()
    for path in PUBLIC_TEMPLATES:
        ids |= msgids(templatize(path.read_text(encoding="utf-8"), origin=str(path)))
    for path in PUBLIC_PYTHON:
        ids |= msgids(path.read_text(encoding="utf-8"))
    return ids


def compiled_catalog(path: Path) -> dict[object, str]:
    """msgid -> translation; plural entries are keyed (msgid, form)."""
    with path.open("rb") as handle:
        return {key: value for key, value in gettext.GNUTranslations(handle)._catalog.items() if key}


def test_every_public_string_has_a_spanish_translation():
    catalog = compiled_catalog(LOCALE / "django.mo")
    ids = public_msgids()
    assert len(ids) > 80  # the extraction found the pages' strings
    missing = sorted(i for i in ids if not (catalog.get(i) or catalog.get((i, 0))))
    assert missing == [], "No Spanish for: " + "; ".join(missing)


@pytest.mark.django_db
def test_every_label_the_public_commons_shows_has_a_spanish_translation():
    """The commons' facet titles and values, and its items' kinds, formats, grade bands and subjects,
    are translated when the page is shown ({% translate variable %}), so extraction cannot see them."""
    from trellis.commons.models import CommonsItem
    from trellis.commons.selectors import FACET_TITLES, FACETS

    catalog = compiled_catalog(LOCALE / "django.mo")
    labels = set(FACET_TITLES.values())
    for _field, choices in FACETS.values():
        labels |= {str(label) for _value, label in (choices() if callable(choices) else choices)}
    for name in ("kind", "format", "grade_band", "subject"):
        labels |= {str(label) for _value, label in CommonsItem._meta.get_field(name).choices}
    assert len(labels) > 40
    missing = sorted(label for label in labels if not catalog.get(label))
    assert missing == [], "No Spanish for: " + "; ".join(missing)


def test_the_compiled_catalog_matches_the_po_file(tmp_path):
    if not Path("/usr/bin/msgfmt").exists():
        pytest.skip("msgfmt (gettext) is not installed")
    fresh = tmp_path / "django.mo"
    subprocess.run(["/usr/bin/msgfmt", "--check-format", "-o", str(fresh), str(LOCALE / "django.po")], check=True)
    assert compiled_catalog(fresh) == compiled_catalog(LOCALE / "django.mo"), (
        "django.mo is older than django.po: run msgfmt -o django.mo django.po")
