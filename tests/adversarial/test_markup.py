"""Markup in a run's run.json and config.yaml, shown by the Runs and Create pages in Chromium: text, never HTML."""
from __future__ import annotations

import json

import pytest

PAYLOADS = ['<img src=x onerror="window.__xss=1">', "<script>window.__xss=2</script>",
            '"><svg onload="window.__xss=3">']


@pytest.fixture(scope="module")
def runs(runs):
    """tiny-cond with markup in its model, data and a config value."""
    run = runs / "tiny-cond"
    info = json.loads((run / "run.json").read_text())
    info.update(model=PAYLOADS[0], data=PAYLOADS[1])
    (run / "run.json").write_text(json.dumps(info))
    with open(run / "config.yaml", "a") as f:
        f.write(f"note: '{PAYLOADS[2]}'\n")
    return runs


def check(page, selector, expected):
    page.wait_for_function("([s, t]) => document.querySelector(s) && document.querySelector(s).textContent"
                           ".includes(t)", arg=[selector, expected], timeout=30000)
    assert page.evaluate("typeof window.__xss") == "undefined"


def test_runs_page_shows_markup_as_text(studio, browser_context):
    page = browser_context.new_page()
    try:
        page.goto(studio.url + "/runs#tiny-cond")
        check(page, "#run-meta", PAYLOADS[0])
        check(page, "#run-meta", PAYLOADS[1])
        check(page, "#run-config", PAYLOADS[2])
        check(page, "#runs", PAYLOADS[0])
        assert page.locator("#run-meta img, #run-meta script, #run-config svg, #runs img").count() == 0
    finally:
        page.close()


def test_create_page_shows_markup_as_text(studio, browser_context):
    page = browser_context.new_page()
    try:
        page.goto(studio.url + "/create?run=tiny-cond")
        check(page, "#run", PAYLOADS[0])
        assert page.locator("#run img").count() == 0
        page.wait_for_timeout(500)
        assert page.evaluate("typeof window.__xss") == "undefined"
    finally:
        page.close()
