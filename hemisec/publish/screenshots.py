"""Look at report pages as a person does, in headless Chromium: the README's screenshots
(`python -m hemisec.publish.screenshots SITE_FOLDER IMAGE_FOLDER`, which `make report`
runs; `... --validation-report IMAGE` for the picture of a validation report) and the page
checks of tests/test_site.py and tests/test_validation_report.py.

One Chromium is started and driven over the DevTools protocol on a pipe
(`--remote-debugging-pipe`: JSON messages ending in a NUL byte, on file descriptors 3 and
4 of the browser). For each page it gives the document as drawn, a screenshot, and every
console message, uncaught error and failed load the page caused, as Chromium reports
them, rather than what a log line happens to look like; and one browser for several
pages takes a third of the time of one browser per page.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import json
import os
import select
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

#: Headless, offline and quiet: no first-run pages, no update or sync traffic, a fresh
#: profile each time (made by `Browser`).
CHROMIUM_FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--hide-scrollbars", "--remote-debugging-pipe",
)
WINDOW = (1200, 900)
#: The README's pictures show a 1200x900 window at 0.8 of its size (960x720 pixels):
#: sharp enough to read, and under MAX_BYTES each.
README_SCALE = 0.8
#: The README's pictures: (file, page of the site).
SCREENSHOTS = (("report-overview.png", "index.html"), ("report-country.png", "country/MEX.html"))
MAX_BYTES = 150_000
TIMEOUT = 60.0


def find_chromium() -> str | None:
    """Debian's Chromium (`make chromium` installs it), or none."""
    for candidate in ("chromium", "chromium-browser"):
        found = shutil.which(candidate)
        if found:
            return found
    return "/usr/bin/chromium" if Path("/usr/bin/chromium").is_file() else None


@dataclass
class PageView:
    """What Chromium drew: the document, what the page reported, the screenshot."""

    dom: str
    console: list[str]
    screenshot: Path | None


def _reported(event: dict[str, Any]) -> str | None:
    """A console message, an uncaught error or a failed load, in one line; None for the
    events that are none of these."""
    method, params = event.get("method"), event.get("params", {})
    if method == "Runtime.consoleAPICalled":
        words = [str(a.get("value", a.get("description", ""))) for a in params.get("args", [])]
        return f"console.{params.get('type')}: {' '.join(words)}"
    if method == "Runtime.exceptionThrown":
        details = params.get("exceptionDetails", {})
        description = details.get("exception", {}).get("description", "")
        first_line = description.splitlines()[0] if description else ""
        return f"{details.get('text', 'Uncaught')} {first_line}"
    if method == "Log.entryAdded":
        entry = params.get("entry", {})
        if entry.get("level") in {"error", "warning"}:
            return f"{entry.get('source')} {entry.get('level')}: {entry.get('text')} " \
                   f"({entry.get('url', '')})"
    return None


class Browser:
    """One headless Chromium with a fresh profile, driven over its DevTools pipe; use it
    in a `with` block, which always ends the browser."""

    def __init__(self, chromium: str | None = None, window: tuple[int, int] = WINDOW,
                 scale: float = 1.0) -> None:
        browser = chromium or find_chromium()
        if browser is None:
            raise FileNotFoundError("Chromium is not installed: run `make chromium`")
        self.window, self.scale = window, scale
        self._profile = tempfile.TemporaryDirectory(prefix="hemisec-chromium-")
        self._log_path = Path(self._profile.name) / "chromium.log"
        self._log = self._log_path.open("wb")
        commands_read, self._commands = os.pipe()
        self._replies, replies_write = os.pipe()

        def on_descriptors_3_and_4() -> None:  # in the child, before Chromium starts
            commands = fcntl.fcntl(commands_read, fcntl.F_DUPFD, 10)
            replies = fcntl.fcntl(replies_write, fcntl.F_DUPFD, 10)
            os.dup2(commands, 3)
            os.dup2(replies, 4)

        self._process = subprocess.Popen(
            [browser, *CHROMIUM_FLAGS, f"--user-data-dir={self._profile.name}",
             f"--window-size={window[0]},{window[1]}", "about:blank"],
            preexec_fn=on_descriptors_3_and_4, pass_fds=(3, 4), stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL, stderr=self._log)
        os.close(commands_read)
        os.close(replies_write)
        self._buffer = b""
        self._last_id = 0
        self._events: list[dict[str, Any]] = []

    def __enter__(self) -> Browser:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        with contextlib.suppress(OSError, RuntimeError, TimeoutError):
            self.command("Browser.close", timeout=5)
        try:
            self._process.wait(10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        for descriptor in (self._commands, self._replies):
            with contextlib.suppress(OSError):
                os.close(descriptor)
        self._log.close()
        self._profile.cleanup()

    # ------------------------------------------------------------ the protocol

    def command(self, method: str, params: dict[str, Any] | None = None,
                session: str | None = None, timeout: float = TIMEOUT) -> dict[str, Any]:
        """Send a command and wait for its reply (events that come first are kept)."""
        self._last_id += 1
        message: dict[str, Any] = {"id": self._last_id, "method": method,
                                   "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self._commands, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            reply = self._receive(deadline, method)
            if reply.get("id") == self._last_id:
                if "error" in reply:
                    raise RuntimeError(f"Chromium: {method}: {reply['error']}")
                return reply.get("result", {})
            self._events.append(reply)

    def _wait_for(self, method: str, session: str, timeout: float = TIMEOUT) -> None:
        deadline = time.monotonic() + timeout
        if any(e.get("method") == method and e.get("sessionId") == session
               for e in self._events):
            return
        while True:
            event = self._receive(deadline, method)
            self._events.append(event)
            if event.get("method") == method and event.get("sessionId") == session:
                return

    def _receive(self, deadline: float, waiting_for: str) -> dict[str, Any]:
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"Chromium did not answer {waiting_for} in time")
            ready, _, _ = select.select([self._replies], [], [], left)
            if ready:
                chunk = os.read(self._replies, 1 << 20)
                if not chunk:
                    self._log.flush()
                    log = self._log_path.read_text(errors="replace")[-2000:]
                    raise RuntimeError(f"Chromium stopped while {waiting_for} was pending: "
                                       f"{log}")
                self._buffer += chunk
        message, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(message)

    # ------------------------------------------------------------ pages

    def view(self, page: Path, screenshot: Path | None = None) -> PageView:
        """Open `page` (a file) in a new tab: its document once loaded, what it reported
        on the console (and loads that failed), and a screenshot of the window."""
        target = self.command("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.command("Target.attachToTarget",
                               {"targetId": target, "flatten": True})["sessionId"]
        try:
            for domain in ("Page", "Runtime", "Log"):
                self.command(f"{domain}.enable", session=session)
            self.command("Emulation.setDeviceMetricsOverride",
                         {"width": self.window[0], "height": self.window[1],
                          "deviceScaleFactor": self.scale, "mobile": False}, session)
            self.command("Page.navigate", {"url": page.resolve().as_uri()}, session)
            self._wait_for("Page.loadEventFired", session)
            dom = self.command("Runtime.evaluate",
                               {"expression": "document.documentElement.outerHTML",
                                "returnByValue": True}, session)["result"]["value"]
            if screenshot is not None:
                image = self.command("Page.captureScreenshot", {"format": "png"}, session)
                screenshot.write_bytes(base64.b64decode(image["data"]))
        finally:
            self.command("Target.closeTarget", {"targetId": target})
        mine = [e for e in self._events if e.get("sessionId") == session]
        self._events = [e for e in self._events if e.get("sessionId") != session]
        console = [line for line in map(_reported, mine) if line]
        return PageView(dom, console, screenshot)


def view_page(page: Path, screenshot: Path | None = None, window: tuple[int, int] = WINDOW,
              scale: float = 1.0, chromium: str | None = None) -> PageView:
    """One page in a browser of its own."""
    with Browser(chromium, window, scale) as browser:
        return browser.view(page, screenshot)


def demo_submission(folder: Path) -> Path:
    """Colombia's demo homicide rows with three errors a national office makes (a negative
    count, an ICCS code that lost its leading zero, a thousands separator in a count), as
    a submission folder: what the README's picture of a validation report shows."""
    import pandas as pd

    from hemisec.paths import PACKAGE_ROOT

    rows = pd.read_csv(PACKAGE_ROOT / "data" / "homicide.csv", dtype=str, keep_default_na=False)
    rows = rows[rows["iso3"] == "COL"].reset_index(drop=True)
    rows.loc[3, "victims"] = "-12"
    rows.loc[9, "iccs_code"] = "101"
    rows.loc[26, "victims"] = "9.494"
    folder.mkdir(parents=True, exist_ok=True)
    rows.to_csv(folder / "homicide.csv", index=False)
    return folder


def validation_screenshot(image: Path, browser: Browser | None = None) -> PageView:
    """The README's picture of the HTML validation report of `demo_submission`: the page
    written as `hemisec validate envio_COL --format html` writes it, in a WINDOW at
    README_SCALE (or in `browser`, as it is)."""
    from hemisec.checks.validate import validate
    from hemisec.publish.validation_report import write_html

    image = image.resolve()
    with tempfile.TemporaryDirectory(prefix="hemisec-validation-") as folder:
        # Validated from inside the folder, so that the page names the file as a
        # statistician's own run would (envio_COL/homicide.csv), not a temporary path.
        with contextlib.chdir(folder):
            report = validate([demo_submission(Path("envio_COL"))])
            write_html(report, Path("report.html"), "en")
        page = Path(folder) / "report.html"
        if browser is not None:
            return browser.view(page, image)
        with Browser(scale=README_SCALE) as own:
            return own.view(page, image)


def _validation_main(image: Path) -> int:
    image.parent.mkdir(parents=True, exist_ok=True)
    view = validation_screenshot(image)
    size = image.stat().st_size
    print(f"{image}: the validation report of Colombia's demo rows with three errors, a "
          f"{WINDOW[0]}x{WINDOW[1]} window at {README_SCALE:g}, {size / 1000:.0f} kB")
    if view.console:
        print(f"the validation report reported: {view.console}", file=sys.stderr)
        return 1
    if size > MAX_BYTES:
        print(f"{image} is over {MAX_BYTES / 1000:.0f} kB", file=sys.stderr)
    return 0


def main(argv: list[str]) -> int:
    if len(argv) == 2 and argv[0] == "--validation-report":
        return _validation_main(Path(argv[1]))
    if len(argv) != 2:
        print("usage: python -m hemisec.publish.screenshots SITE_FOLDER IMAGE_FOLDER",
              file=sys.stderr)
        print("       python -m hemisec.publish.screenshots --validation-report IMAGE",
              file=sys.stderr)
        return 2
    site, images = Path(argv[0]), Path(argv[1])
    missing = [page for _, page in SCREENSHOTS if not (site / page).is_file()]
    if missing:
        print(f"{site}: no {', '.join(missing)}; run `hemisec report` first", file=sys.stderr)
        return 2
    images.mkdir(parents=True, exist_ok=True)
    status = 0
    with Browser(scale=README_SCALE) as browser:
        for name, page in SCREENSHOTS:
            target = images / name
            view = browser.view(site / page, target)
            size = target.stat().st_size
            print(f"{target}: {page}, a {WINDOW[0]}x{WINDOW[1]} window at "
                  f"{README_SCALE:g}, {size / 1000:.0f} kB")
            if view.console:
                print(f"{page} reported: {view.console}", file=sys.stderr)
                status = 1
            if size > MAX_BYTES:
                print(f"{target} is over {MAX_BYTES / 1000:.0f} kB", file=sys.stderr)
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
