"""A real `supportbot playground` process per module, and Debian's chromium driven by Playwright.

Playwright cannot download browsers here: the tests launch /usr/bin/chromium and
fail (never skip) when it is missing, naming the command that installs it.
"""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
WAIT_MS = 30_000  # the machine is shared: generous, and never an assertion about speed
_START = "import sys; from bot.cli import main; sys.exit(main())"


class PlaygroundProcess:
    def __init__(self, folder: Path, env: dict[str, str]) -> None:
        self.folder, self.env = folder, env
        self.proc: subprocess.Popen | None = None
        self.url = ""

    def start(self) -> "PlaygroundProcess":
        self.proc = subprocess.Popen([sys.executable, "-c", _START, "playground", "--port", "0"],
                                     cwd=self.folder, env=self.env, stdout=subprocess.PIPE,
                                     stderr=open(self.folder / "playground.log", "ab"), text=True)
        ready, _, _ = select.select([self.proc.stdout], [], [], 120)
        line = self.proc.stdout.readline() if ready else ""
        if "playground on " not in line:
            self.stop()
            raise RuntimeError(f"the playground did not start: {line!r}; see {self.folder / 'playground.log'}")
        self.url = line.split("playground on ", 1)[1].split()[0].rstrip("/")
        return self

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def restart(self) -> None:
        self.stop()
        self.start()


def playground_env(folder: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("SLACK_", "SUPPORTBOT_", "OPENAI_", "DATABASE_"))}
    env.update(PYTHONPATH=str(ROOT), DATABASE_URL=f"sqlite:///{folder}/playground.db", **extra)
    return env


@pytest.fixture(scope="module")
def playground(tmp_path_factory):
    """One playground process per test module, on a folder of its own (SQLite, demo model)."""
    folder = tmp_path_factory.mktemp("playground")
    process = PlaygroundProcess(folder, playground_env(folder)).start()
    try:
        yield process
    finally:
        process.stop()


@pytest.fixture(scope="module")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: install it with `apt-get update && apt-get install -y chromium`")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


def open_page(browser, url: str, user: str = "UADA"):
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    context.add_init_script(f"localStorage.setItem('playground.user', '{user}')")
    page = context.new_page()
    page.set_default_timeout(WAIT_MS)
    page.goto(url + "/")
    page.wait_for_selector("body[data-ready=true]")
    return page


def screenshot(page, name: str) -> None:
    DOCS.mkdir(exist_ok=True)
    page.screenshot(path=str(DOCS / f"playground-{name}.png"))
