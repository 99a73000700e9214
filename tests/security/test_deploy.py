"""Django's deployment checks pass behind HTTPS, and every page carries the protective headers."""

from __future__ import annotations

import os
import subprocess
import sys

from django.test import Client
from django.urls import reverse

from tests.factories import PASSWORD


def test_check_deploy_is_clean_with_https(tmp_path):
    # As a deployment would run it: none of the test run's settings (the browser tests allow
    # Django's async-unsafe calls for themselves).
    env = {key: value for key, value in os.environ.items()
           if not key.startswith("TRELLIS_") and key != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env.update(TRELLIS_HOME=str(tmp_path), TRELLIS_HTTPS="true", DJANGO_SETTINGS_MODULE="trellis.config.settings")
    done = subprocess.run([sys.executable, "-m", "django", "check", "--deploy", "--fail-level", "WARNING"],
                          env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "no issues" in done.stdout


def test_pages_send_a_policy_allowing_only_trellis_own_files(teacher):
    client = Client()
    for response in (client.get(reverse("login")),):
        policy = dict(part.strip().split(" ", 1) for part in response["Content-Security-Policy"].split(";"))
        assert policy == {
            "default-src": "'self'", "script-src": "'self'", "style-src": "'self'", "img-src": "'self' data:",
            "font-src": "'self'", "connect-src": "'self'", "object-src": "'none'", "base-uri": "'self'",
            "form-action": "'self'", "frame-ancestors": "'none'",
        }
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Referrer-Policy"] == "same-origin"
        assert response["X-Frame-Options"] == "DENY"
    client.login(username="teacher", password=PASSWORD)
    assert "frame-ancestors 'none'" in client.get(reverse("home"))["Content-Security-Policy"]


def test_no_template_has_inline_script_or_style():
    """The CSP would refuse them: a page would silently lose its behaviour or its look."""
    import re
    from pathlib import Path

    import trellis

    inline = re.compile(r"<script(?![^>]*\b(src|type=\"application/json\")\b)[^>]*>|<style\b|\sstyle=|\son[a-z]+=",
                        re.IGNORECASE)
    found = [f"{path}: {match.group(0)}" for path in Path(trellis.__file__).parent.rglob("templates/**/*.html")
             for match in inline.finditer(path.read_text())]
    assert found == []
