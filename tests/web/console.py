"""A real ``kibaru web`` for tests: the command in a process of its own on a free loopback
port, and a headless Debian Chromium driven by Selenium.

The browser is required, never optional: without ``chromium`` and ``chromium-driver``
(installed by ``.ci/run``) these tests FAIL with the command that installs them.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.crawler.crawling import REPO, crawl_env
from tests.services import free_port

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"


class Console:
    """A running ``kibaru web``: its base URL, its log, and HTTP helpers."""

    def __init__(self, process: subprocess.Popen[bytes], base: str, log: Path) -> None:
        self.process = process
        self.base = base
        self.log = log

    def url(self, path: str) -> str:
        return self.base + path

    def get(self, path: str, headers: dict[str, str] | None = None) -> tuple[int, str]:
        """(status, body) of a GET, following no redirect."""
        return self.request("GET", path, headers=headers)

    def request(
        self, method: str, path: str, data: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, str]:
        class NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *args: Any) -> None:
                return None

        opener = urllib.request.build_opener(NoRedirect)
        request = urllib.request.Request(self.url(path), data=data, method=method,
                                         headers=headers or {})
        try:
            with opener.open(request, timeout=30) as response:
                return response.status, response.read().decode("utf-8")
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode("utf-8", "replace")


def web_env(database_url: str, **extra: str) -> dict[str, str]:
    return crawl_env(database_url, **extra)


@contextmanager
def running_console(tmp: Path, env: dict[str, str]) -> Iterator[Console]:
    """``python -m kibaru web`` on a free port of 127.0.0.1, until /healthz answers."""
    port = free_port()
    log = tmp / f"web-{port}.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "kibaru", "web", "--host", "127.0.0.1", "--port", str(port)],
            cwd=REPO, env=env, stdout=output, stderr=subprocess.STDOUT,
        )
    console = Console(process, f"http://127.0.0.1:{port}", log)
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise AssertionError(f"kibaru web exited {process.returncode}:\n{log.read_text()}")
            try:
                status, body = console.get("/healthz")
                if status == 200 and json.loads(body)["status"] == "ok":
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise AssertionError(f"kibaru web did not answer /healthz:\n{log.read_text()}")
            time.sleep(0.2)
        yield console
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def browser() -> Any:
    """A headless Chromium (Debian's, through its chromedriver); fails without them."""
    missing = [path for path in (CHROMIUM, CHROMEDRIVER) if shutil.which(path) is None]
    if missing:
        pytest.fail(
            f"{', '.join(missing)} not installed: `apt-get install -y chromium chromium-driver` "
            "(.ci/run does it)",
            pytrace=False,
        )
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
                     "--disable-gpu", "--window-size=1600,1000"):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(60)
    return driver


def follow(driver: Any, action: Any, timeout: float = 60) -> None:
    """Run ``action`` (a click or submit that navigates) and wait until the next page has
    loaded: chromedriver may return from a form submit before the response arrives, and a
    look-up on the old page then fails under load.

    The new page is told apart by its root element's WebDriver id, looked up afresh on each
    poll. Asking the old element whether it went stale is racy: mid-navigation chromedriver
    can answer "Node with given id does not belong to the document" (an unknown error, not a
    stale reference), so any WebDriver error while polling just means "not loaded yet".
    """
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.common.by import By

    old_id = driver.find_element(By.TAG_NAME, "html").id
    action()

    def loaded() -> bool:
        try:
            root = driver.find_element(By.TAG_NAME, "html")
            ready = driver.execute_script("return document.readyState")
            return bool(root.id != old_id and ready == "complete")
        except WebDriverException:
            return False

    wait_for(loaded, timeout=timeout, what="the next page to load", interval=0.05)


def wait_for(
    condition: Any, timeout: float = 120, what: str = "the condition", interval: float = 0.5
) -> Any:
    """Poll ``condition()`` every ``interval`` seconds until it returns something truthy;
    fail after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(interval)
