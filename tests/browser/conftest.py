"""What the browser tests share: a halshop server on a fresh database, and Debian's Chromium
driven by Playwright (it never downloads a browser of its own).

HALSHOP_BIN names the server binary (default: $CARGO_TARGET_DIR or target, then
debug/halshop); CHROMIUM names the browser (default: `chromium` on the PATH). Screenshots
are kept under target/browser-screenshots.
"""

import os
import re
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

REPOSITORY = Path(__file__).resolve().parents[2]
SERVING = re.compile(r"^halshop is serving (http\S*)/$", re.MULTILINE)
CREDENTIALS = re.compile(r"app_key (\S+) +secret (\S+)")


def server_binary():
    if os.environ.get("HALSHOP_BIN"):
        return Path(os.environ["HALSHOP_BIN"]).resolve()
    return REPOSITORY / os.environ.get("CARGO_TARGET_DIR", "target") / "debug" / "halshop"


class Server:
    """A halshop serving a fresh database; its base URL and demo merchant credentials."""

    def __init__(self, workdir, content_dir=None):
        self.stdout_path = Path(workdir) / "stdout"
        environment = dict(
            os.environ,
            DATABASE_URL=f"sqlite://{workdir}/halshop.db?mode=rwc",
            HALSHOP_BIND="127.0.0.1:0",
            CONTENT_DIR=str(content_dir or f"{workdir}/content"),
            RUST_LOG="warn",
        )
        environment.pop("HALSHOP_PUBLIC_URL", None)
        with open(self.stdout_path, "w") as stdout:
            self.process = subprocess.Popen(
                [str(server_binary()), "serve"],
                env=environment,
                stdout=stdout,
                stderr=subprocess.STDOUT,
                cwd=workdir,
            )
        self.base, self.merchant = self.wait_until_serving()

    def wait_until_serving(self):
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            text = self.stdout_path.read_text()
            serving, credentials = SERVING.search(text), CREDENTIALS.search(text)
            if serving and credentials:
                return serving.group(1), credentials.groups()
            if self.process.poll() is not None:
                break
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"halshop did not start:\n{self.stdout_path.read_text()}")

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()


@pytest.fixture(scope="module")
def server():
    with tempfile.TemporaryDirectory() as workdir:
        running = Server(workdir)
        yield running
        running.stop()


@pytest.fixture(scope="module")
def browser():
    executable = os.environ.get("CHROMIUM") or shutil.which("chromium")
    assert executable, "Chromium is not installed (apt-get install chromium)"
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable)
        yield launched
        launched.close()


@pytest.fixture
def page(browser):
    context = browser.new_context()
    context.set_default_timeout(10_000)
    opened = context.new_page()
    errors = []
    opened.on("pageerror", lambda error: errors.append(error))
    yield opened
    context.close()
    assert not errors, f"the page's script failed: {errors}"



SCREENSHOTS = REPOSITORY / os.environ.get("CARGO_TARGET_DIR", "target") / "browser-screenshots"


@pytest.fixture(scope="module")
def shop_server():
    """A server whose content store holds the demo books, so that downloads work."""
    with tempfile.TemporaryDirectory() as workdir:
        running = Server(workdir, content_dir=REPOSITORY / "content")
        yield running
        running.stop()


def screenshot(page, name):
    """Keeps a full-page screenshot as a CI artefact."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
