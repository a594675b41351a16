"""Shared test helpers.

`server` and `browser`: the web page served on a free port of 127.0.0.1 (its days under
`web_data`) and Debian's Chromium driven by Playwright, one of each per module of browser
tests (which skip first when Chromium, Playwright or the web extra is missing).

`unchecked_instance(data)`: an `Instance` whose parts are each typed by their own model
but whose whole-day checks (limits, cross-references) were skipped, as
`Instance.model_construct` skips them. Every other way of building an `Instance` runs
those checks; the writers and the evaluator must still stay safe and right on what they
would refuse (control characters in names, an asymmetric matrix, an attribute nobody has).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import TypeAdapter

from allocator.model.instance import Instance


def unchecked_instance(data: dict[str, Any]) -> Instance:
    parts = {
        key: TypeAdapter(Instance.model_fields[key].annotation).validate_python(value)
        for key, value in data.items()
    }
    return Instance.model_construct(**parts)


@pytest.fixture(scope="module")
def web_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("days")


@pytest.fixture(scope="module")
def server(web_data: Path) -> Iterator[str]:
    """The app in a thread; its base URL."""
    from benchmarks.web_page import serve

    base, running, thread = serve(web_data)
    yield base
    running.should_exit = True
    thread.join(timeout=15)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    from benchmarks.web_page import CHROMIUM, FLAGS

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield launched
        launched.close()
