"""Screenshots of the app at 1024x768 (a tablet in landscape), for the docs.

Starts the app on a temporary SQLite database (`sdm db upgrade`, `sdm data load`),
drives Debian's chromium (its headless shell) through the pages and writes PNGs to
docs/screenshots/: the tablet journey, then the clinician's pages as a logged-in
clinician.

    .venv/bin/python scripts/screenshots.py [--lang nb] [--out DIR] [--full-page]

Each screenshot is one line in TABLET or CLINICIAN below: a file name and a step that
brings the page to the state to show (steps run in order and share one browser page).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pyotp
from playwright.sync_api import ConsoleMessage, Page, sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.integration.live import live_server

ROOT = Path(__file__).resolve().parents[1]
VIEWPORT = {"width": 1024, "height": 768}
CLINICIAN, PASSWORD = "screens", "screenshots only, never a real account 7"


@dataclass
class Shots:
    """One browser page on the running app, and what earlier steps found out."""

    page: Page
    base: str
    lang: str
    code: str = ""
    consultation_id: str = ""
    errors: list[str] = field(default_factory=list)

    def go(self, path: str) -> None:
        self.page.goto(f"{self.base}{path}")

    def press(self, go: str) -> None:
        """Press the tablet button that posts `go`, and wait for the next page."""
        with self.page.expect_navigation():
            self.page.locator(f'button[name="go"][value="{go}"]').click()

    def tick(self, *checkbox_ids: str) -> None:
        for checkbox_id in checkbox_ids:
            self.page.locator(f'label[for="{checkbox_id}"]').click()


Step = tuple[str, Callable[[Shots], object]]


def choose(s: Shots) -> None:
    s.press("options")
    s.tick("o-lower-dose", "o-no-antipsychotic")
    s.press("choose")
    s.tick("c-tiredness", "c-weight-gain", "c-restlessness")


def order(s: Shots) -> None:
    s.press("order-from-choose")
    s.press("up:restlessness")


def ticked(go: str, *checkbox_ids: str) -> Callable[[Shots], None]:
    """The step: press `go`, then tick these on the page it leads to."""

    def step(s: Shots) -> None:
        s.press(go)
        s.tick(*checkbox_ids)

    return step


def own_words(s: Shots) -> None:
    s.press("own-words")
    s.page.locator("#what_matters").fill("I want to keep working, and to be able to drive.")


def done(s: Shots) -> None:
    s.press("send")
    s.code = s.page.locator("p.code").inner_text().replace(" ", "")


TABLET: list[Step] = [
    ("tablet-1-start.png", lambda s: s.go(f"/tablet?lang={s.lang}")),
    ("tablet-2-choose.png", choose),
    ("tablet-3-order.png", order),
    ("tablet-4-helpful.png", ticked("helpful", "h-sleepy-at-night")),
    ("tablet-5-cannot-accept.png", ticked("cannot-accept", "m-weight-gain")),
    ("tablet-6-forms.png", ticked("forms", "f-tablet")),
    ("tablet-7-own-words.png", own_words),
    ("tablet-8-past.png", lambda s: s.press("past")),
    ("tablet-9-review.png", lambda s: s.press("review")),
    ("tablet-10-done.png", done),
]


def open_preferences(s: Shots) -> None:
    s.go(f"/staff/consultations?code={s.code}&lang={s.lang}")
    found = re.search(r"/staff/consultations/(\w+)", s.page.url)
    if not found:
        raise SystemExit(f"the code {s.code} did not open the preferences: {s.page.url}")
    s.consultation_id = found.group(1)


# Staff pages: run after the tablet steps (they use its code) and after log_in_as_clinician.
CLINICIAN_PAGES: list[Step] = [
    ("clinician-1-open.png", lambda s: s.go(f"/staff/consultations?lang={s.lang}")),
    ("clinician-2-ranking.png", open_preferences),
    ("clinician-3-sheet.png", lambda s: s.go(f"/consultations/{s.consultation_id}/sheet")),
]


def log_in_as_clinician(s: Shots, secret: str) -> None:
    """Log the page in through /login as the clinician `add_clinician` made, with a
    current TOTP code from its secret; afterwards the page is on the staff start page."""
    s.go(f"/login?lang={s.lang}")
    s.page.fill("#username", CLINICIAN)
    s.page.fill("#password", PASSWORD)
    s.page.fill("#totp", pyotp.TOTP(secret).now())
    with s.page.expect_navigation():
        s.page.locator('form[action^="/login"] button[type="submit"]').click()
    if not urlparse(s.page.url).path.startswith("/staff"):
        raise SystemExit(f"could not log in as {CLINICIAN}: ended on {s.page.url}")


def sdm(env: dict[str, str], *args: str, stdin: str | None = None) -> str:
    exe = Path(sys.executable).with_name("sdm")
    command = [str(exe)] if exe.exists() else [shutil.which("sdm") or "sdm"]
    done = subprocess.run(  # noqa: S603 (our own sdm, our own arguments)
        [*command, *args], env=env, cwd=ROOT, input=stdin, capture_output=True, text=True
    )
    if done.returncode != 0:
        raise SystemExit(f"sdm {' '.join(args)} failed:\n{done.stdout}{done.stderr}")
    return done.stdout


def add_clinician(env: dict[str, str]) -> str:
    """A clinician with TOTP, made with `sdm users add` / `sdm users totp`; its secret."""
    sdm(env, "users", "add", CLINICIAN, "--role", "clinician", "--by", "screenshots",
        stdin=PASSWORD + "\n")  # fmt: skip
    printed = sdm(env, "users", "totp", CLINICIAN, "--by", "screenshots")
    uri = next(line for line in printed.splitlines() if line.startswith("otpauth://"))
    return parse_qs(urlparse(uri).query)["secret"][0]


def chromium() -> tuple[str, list[str]]:
    executable = os.environ.get("CHROMIUM", "/usr/bin/chromium-headless-shell")
    if not (shutil.which(executable) or os.access(executable, os.X_OK)):
        raise SystemExit(f"chromium not found at {executable}: run scripts/ensure-browser")
    return executable, (["--no-sandbox"] if os.geteuid() == 0 else [])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lang", default="en", choices=["en", "nb"])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--full-page", action="store_true", help="the whole page, not 768px")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    executable, browser_args = chromium()

    with tempfile.TemporaryDirectory(prefix="sdm-screens-") as tmp:
        env = {
            **os.environ,
            "DATABASE_URL": f"sqlite:///{Path(tmp) / 'screens.db'}",
            "SDM_ENV": "development",  # plain HTTP on 127.0.0.1: cookies are not Secure
        }
        sdm(env, "db", "upgrade")
        sdm(env, "data", "load", "--by", "screenshots", "--note", "screenshots")
        secret = add_clinician(env)
        with (
            live_server(env["DATABASE_URL"], SDM_ENV="development") as base,
            sync_playwright() as playwright,
        ):
            browser = playwright.chromium.launch(executable_path=executable, args=browser_args)
            context = browser.new_context(viewport=VIEWPORT, locale=args.lang)  # type: ignore[arg-type]
            shots = Shots(context.new_page(), base, args.lang)

            def console(message: ConsoleMessage) -> None:
                where = message.location.get("url", "")
                if message.type == "error" and not where.endswith("/favicon.ico"):
                    shots.errors.append(f"{message.text} ({where})")

            shots.page.on("console", console)

            def take(steps: list[Step]) -> None:
                for name, step in steps:
                    step(shots)
                    # From the top, and without the focus ring a tap leaves behind.
                    shots.page.evaluate("() => { document.activeElement?.blur(); scrollTo(0, 0); }")
                    path = args.out / name
                    shots.page.screenshot(path=str(path), full_page=args.full_page)
                    print(f"wrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")

            take(TABLET)
            log_in_as_clinician(shots, secret)
            take(CLINICIAN_PAGES)
            browser.close()
    if shots.errors:
        print("the pages logged errors:\n" + "\n".join(shots.errors), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
