"""Playwright driving Debian's Chromium against the live test server, with an axe-core check."""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

AXE = Path(__file__).parent / "vendor" / "axe.min.js"
AXE_SOURCE = AXE.read_text()
# The browser's event loop shares the thread with the test's database calls.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def chromium_path() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        raise RuntimeError("The browser tests need Debian's chromium: apt-get install chromium")
    return found


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium_path(),
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        )
        yield browser
        browser.close()


@pytest.fixture
def job_worker(transactional_db: None, settings: Any) -> Iterator[None]:
    """The database job queue, with the worker `trellis worker` runs started on a thread whenever
    a job is queued, until the queue is empty. (A worker polling all the time would lock the
    test's shared in-memory SQLite database under the live server's feet.)"""
    from django.db import connections, transaction
    from django_tasks.signals import task_enqueued
    from django_tasks_db.management.commands.db_worker import Worker

    from trellis.core.services import worker_name

    settings.TRELLIS_JOB_RUNNER = "worker"
    threads: list[threading.Thread] = []

    def run() -> None:
        try:
            Worker(queue_names=["default"], interval=0, batch=True, backend_name="default", startup_delay=False,
                   max_tasks=None, worker_id=worker_name(), excluded_queue_names=[]).run()
        finally:
            connections.close_all()

    def start(**kwargs: Any) -> None:
        thread = threading.Thread(target=run, name="job-worker", daemon=True)
        threads.append(thread)
        transaction.on_commit(thread.start)

    task_enqueued.connect(start, dispatch_uid="browser-job-worker")
    yield
    task_enqueued.disconnect(dispatch_uid="browser-job-worker")
    for thread in threads:
        if thread.is_alive():
            thread.join(timeout=60)


@pytest.fixture
def page(browser: Any, live_server: Any, job_worker: None) -> Iterator[Any]:
    context = browser.new_context(base_url=live_server.url)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def assert_accessible(page: Any) -> None:
    """Run axe-core's WCAG 2.1 A and AA rules on the page; any violation fails the test."""
    # Evaluated rather than added as a <script>: the site's CSP refuses inline script, as it should.
    if not page.evaluate("typeof axe !== 'undefined'"):
        page.evaluate(AXE_SOURCE)
    result = page.evaluate(
        "async () => await axe.run(document, {runOnly: {type: 'tag', values: "
        "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})"
    )
    problems = [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
    ]
    assert problems == [], "\n".join(problems)


def sign_in(page: Any, username: str, password: str) -> None:
    page.goto("/login/")
    assert_accessible(page)
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
