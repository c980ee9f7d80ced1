#!/usr/bin/env python3
"""Drives a real headless Chromium through one scenario against the playbook web console.

The console tests (Swift, through BrowserDriver.swift) start `playbook ... --listen` and then run

    console_browser.py SCENARIO --url URL [--token T] [--width 360 --height 780]
        [--screenshot PATH] [--expect-status STEP=STATUS ...] [--incident ID] [--step STEP]
        [--post-path PATH] [--timeout 20]

It prints ONE JSON object on stdout:

    {"ok": bool, "title": str, "text": <visible text of the final page, at most 4000 chars>,
     "status_code": <HTTP status of the final document or of the scenario's request, or null>,
     "detail": <what was checked, or what went wrong and what the page had instead>,
     "scenario": str, "url": <final URL>, "screenshot": {"path", "width", "height"} or null}

and exits 0 when the scenario's checks passed, 1 when they did not (or the browser failed), 2 on
a usage error. Everything it relies on in the console's HTML is in the console contract
(sign-in form, `section#playbooks`, `tr#step-ID[data-status]`, `body[data-loaded-at]`,
`ul#will-run`, `p#outcome`, buttons named "Approve", "Deny", "Recover", "Retry what failed").

Why this shape: Selenium is the one dependency (PyPI `selenium`) beside Debian's `chromium` and
`chromium-driver` (scripts/test installs both), and a child process with a JSON answer keeps the
Swift side to a process call. The browser needs no network beyond the loopback console.

`--screenshot` is taken where the scenario says (the link scenarios: the link page before the
click; the others: the final page), or of the page a failed scenario ended on. It is the whole
page at --width CSS px, scale 1, so a phone-width test sees everything a phone would scroll to.

Time: `--timeout` bounds the whole scenario, browser start included; whatever happens (a hung
driver, a browser that never answers) the program prints its JSON and ends by `--timeout` + 10 s,
killing chromedriver and Chromium (they run in a process group of their own). A caller that
kills this program with SIGKILL instead leaves them running: give it longer than --timeout + 10.
"""

import argparse
import base64
import json
import math
import os
import re
import signal
import struct
import sys
import threading
import time
import uuid
from urllib.parse import quote, urljoin, urlparse

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
STATUSES = ("pending", "running", "waiting", "succeeded", "failed", "skipped")
SCENARIOS = (
    "signin", "watch-incident", "approve-link", "deny-link", "expired-link", "used-link",
    "recover", "approve-console", "csrf-less-post", "run-by-hand", "retry",
)
NEEDS_TOKEN = ("signin", "watch-incident", "recover", "approve-console", "csrf-less-post", "run-by-hand", "retry")
TEXT_LIMIT = 4000
# watch-incident watches the page at least this long: the console refreshes once a second.
OBSERVE_AT_LEAST = 2.5


class CheckFailed(Exception):
    """A check of the scenario did not hold; the message says what was expected and seen."""


# ---------------------------------------------------------------------------------------------
# Output: exactly one JSON object, whichever of the scenario and the watchdog finishes first.

_emitted = threading.Lock()


def emit(result, code):
    """Prints `result` and exits with `code`, once: a second caller (the watchdog racing the
    scenario's own end) is simply ended."""
    if not _emitted.acquire(blocking=False):
        return
    sys.stdout.write(json.dumps(result, ensure_ascii=False) + "\n")
    sys.stdout.flush()
    return code


def usage_error(parser, message):
    sys.stderr.write(parser.format_usage())
    sys.stderr.write(f"console_browser.py: error: {message}\n")
    emit({"ok": False, "title": None, "text": "", "status_code": None,
          "detail": f"usage: {message}", "scenario": None, "url": None, "screenshot": None}, 2)
    sys.exit(2)


class Parser(argparse.ArgumentParser):
    def error(self, message):
        usage_error(self, message)


def parse(argv):
    parser = Parser(prog="console_browser.py", description="Drive headless Chromium through one console scenario.")
    parser.add_argument("scenario", choices=SCENARIOS)
    parser.add_argument("--url", required=True, help="console base URL, or the approval link for the *-link scenarios")
    parser.add_argument("--token", help="console token (PLAYBOOK_CONSOLE_TOKEN), for the scenarios that sign in")
    parser.add_argument("--width", type=int, default=360)
    parser.add_argument("--height", type=int, default=780)
    parser.add_argument("--screenshot", help="write a PNG of the whole page, --width px wide")
    parser.add_argument("--expect-status", action="append", default=[], metavar="STEP=STATUS")
    parser.add_argument("--incident", help="incident ID (watch-incident: else the first incident link on /)")
    parser.add_argument("--step", help="approve-console: the step whose approval is clicked")
    parser.add_argument("--playbook", help="run-by-hand: the playbook to run (default: the first on /)")
    parser.add_argument("--trigger", help="run-by-hand: the trigger to pick (default: the one preselected)")
    parser.add_argument("--post-path", help="csrf-less-post: the path POSTed to without a csrf field")
    parser.add_argument("--timeout", type=float, default=20.0, help="seconds for the whole scenario")
    args = parser.parse_args(argv)

    expectations = []
    for item in args.expect_status:
        step, sep, status = item.partition("=")
        if not sep or not step or status not in STATUSES:
            usage_error(parser, f"--expect-status wants STEP=STATUS with STATUS one of {', '.join(STATUSES)}; got {item!r}")
        expectations.append((step, status))
    args.expectations = expectations
    if args.scenario in NEEDS_TOKEN and not args.token:
        usage_error(parser, f"{args.scenario} signs in: --token is required")
    if args.scenario in ("recover", "approve-console", "retry") and not args.incident:
        usage_error(parser, f"{args.scenario} needs --incident")
    if args.scenario == "approve-console" and not args.step:
        usage_error(parser, "approve-console needs --step")
    if args.scenario == "csrf-less-post" and not args.post_path:
        usage_error(parser, "csrf-less-post needs --post-path")
    if args.width < 100 or args.height < 100 or args.timeout <= 0:
        usage_error(parser, "--width and --height must be at least 100, --timeout positive")
    if not urlparse(args.url).scheme.startswith("http"):
        usage_error(parser, f"--url must be an http(s) URL; got {args.url!r}")
    return args


# ---------------------------------------------------------------------------------------------
# The browser session and the small vocabulary the scenarios are written in.

class Session:
    def __init__(self, args):
        self.args = args
        self.deadline = time.monotonic() + args.timeout
        self.driver = None
        self.service = None
        self.screenshot_info = None
        self.status_override = None  # a scenario's own request status (csrf-less-post)
        self.notes = []

    # -- lifetime ------------------------------------------------------------------------------

    def start(self):
        # Imported here so that a usage error needs no Selenium.
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service

        os.environ.setdefault("SE_AVOID_STATS", "true")
        options = webdriver.ChromeOptions()
        options.binary_location = CHROMIUM
        for flag in (
            "--headless=new", "--no-sandbox", "--disable-gpu", f"--window-size={self.args.width},{self.args.height}",
            # Nothing but the loopback console: no updates, sync, or first-run fetches.
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--disable-default-apps", "--no-first-run", "--no-default-browser-check",
            "--disable-dev-shm-usage",
        ):
            options.add_argument(flag)
        options.page_load_strategy = "normal"
        # A process group of its own: the watchdog can end chromedriver and every Chromium
        # process it started at once, even when the driver no longer answers.
        self.service = Service(CHROMEDRIVER, log_output=os.devnull, popen_kw={"start_new_session": True})
        self.driver = webdriver.Chrome(service=self.service, options=options)
        remaining = max(1.0, self.remaining())
        self.driver.set_page_load_timeout(remaining)
        self.driver.set_script_timeout(remaining)
        # The viewport is exactly --width x --height CSS px at scale 1, whatever the window
        # manager of headless makes of --window-size: the screenshot is then --width px wide.
        self.driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
            "width": self.args.width, "height": self.args.height, "deviceScaleFactor": 1, "mobile": False,
        })

    def kill_group(self):
        process = getattr(self.service, "process", None) if self.service else None
        if process is None:
            return
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError, OSError):
            pass

    def quit(self):
        if self.driver is not None:
            try:
                self.driver.quit()
            except Exception:
                pass
        # Whatever quit() left behind (a Chromium child of a driver that did not answer).
        self.kill_group()

    # -- time ----------------------------------------------------------------------------------

    def remaining(self):
        return self.deadline - time.monotonic()

    def wait_until(self, what, condition, observe=None, interval=0.1):
        """Polls `condition` until it returns something truthy (returned) or the scenario's time
        is up: then fails saying what it waited for and, with `observe`, what it saw last."""
        from selenium.common.exceptions import StaleElementReferenceException, NoSuchElementException, JavascriptException

        while True:
            try:
                value = condition()
                if value:
                    return value
            except (StaleElementReferenceException, NoSuchElementException, JavascriptException):
                pass
            if self.remaining() <= 0:
                seen = ""
                if observe is not None:
                    try:
                        seen = f"; last seen: {observe()}"
                    except Exception as error:  # the page itself may be the problem
                        seen = f"; could not look at the page: {error}"
                raise CheckFailed(f"timed out after {self.args.timeout:g} s waiting until {what}{seen}")
            time.sleep(interval)

    # -- pages ---------------------------------------------------------------------------------

    def js(self, script, *arguments):
        return self.driver.execute_script(script, *arguments)

    def url_for(self, path):
        return urljoin(self.args.url, path)

    def path(self):
        return urlparse(self.driver.current_url).path

    def ready(self):
        return self.js("return document.readyState") == "complete"

    def open(self, url):
        self.driver.get(url)
        self.wait_until(f"{url} has loaded", self.ready)

    def status_code(self):
        """The HTTP status of the current document (Navigation Timing; after a redirect, the
        final response's), or None when the browser does not say."""
        try:
            status = self.js(
                "const n = performance.getEntriesByType('navigation')[0];"
                "return n && n.responseStatus ? n.responseStatus : null;")
            return int(status) if status else None
        except Exception:
            return None

    def inventory(self):
        """What the page has, for a message saying an expected element was missing."""
        try:
            found = self.js("""
                const text = e => (e.textContent || '').trim().replace(/\\s+/g, ' ').slice(0, 40);
                const all = s => [...document.querySelectorAll(s)];
                return {
                  forms: all('form').map(f => `${(f.getAttribute('method') || 'get').toLowerCase()} ${f.getAttribute('action') ?? '(no action)'}`),
                  inputs: all('input,select,textarea').map(i => `${i.tagName.toLowerCase()}[type=${i.getAttribute('type') || ''}][name=${i.getAttribute('name') || ''}]`),
                  buttons: all('button,input[type=submit]').map(b => text(b) || b.value || ''),
                  ids: all('[id]').map(e => `${e.tagName.toLowerCase()}#${e.id}`).slice(0, 40),
                  headings: all('h1,h2').map(text).slice(0, 10),
                };""")
        except Exception as error:
            return f"(the page could not be inspected: {error})"
        parts = [f"page {self.driver.current_url} (HTTP {self.status_code() or '?'}, title {self.driver.title!r})"]
        for key in ("headings", "forms", "inputs", "buttons", "ids"):
            parts.append(f"{key}: {found.get(key) or 'none'}")
        return "; ".join(parts)

    def find(self, css, what):
        """The first element matching `css`, waiting for it (the console fills parts of pages by
        script); fails listing what the page has instead."""
        from selenium.webdriver.common.by import By

        def first():
            elements = self.driver.find_elements(By.CSS_SELECTOR, css)
            return elements[0] if elements else None

        try:
            return self.wait_until(f"{what} ({css}) is on the page", first)
        except CheckFailed:
            raise CheckFailed(f"no {what} ({css}); {self.inventory()}") from None

    def require_now(self, css, what):
        """Like `find`, without waiting: for pages the server renders whole."""
        from selenium.webdriver.common.by import By

        elements = self.driver.find_elements(By.CSS_SELECTOR, css)
        if not elements:
            raise CheckFailed(f"no {what} ({css}); {self.inventory()}")
        return elements[0]

    def buttons_named(self, name, scope="document"):
        """Buttons whose text is exactly `name` (trimmed), inside `scope` (a JS expression)."""
        return self.js(
            f"const root = {scope}; if (!root) return [];"
            "return [...root.querySelectorAll('button')].filter(b => b.textContent.trim() === arguments[0]);",
            name)

    def click_and_follow(self, find_button, what):
        """Clicks the button `find_button()` returns and waits for the next document to load.
        The live part of an incident page is replaced every second, so a button found just
        before it was replaced is looked up again rather than failing the scenario."""
        from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
        from selenium.webdriver.common.by import By

        old = self.driver.find_element(By.TAG_NAME, "html")
        while True:
            buttons = find_button()
            if not buttons:
                raise CheckFailed(f"no button {what}; {self.inventory()}")
            try:
                buttons[0].click()
                break
            except WebDriverException as error:
                # Chromium reports a node swapped out between lookup and click either way.
                stale = isinstance(error, StaleElementReferenceException) or "does not belong to the document" in str(error)
                if not stale:
                    raise
                if self.remaining() <= 0:
                    raise CheckFailed(f"the button {what} kept being replaced; it was never clicked")

        def navigated():
            try:
                old.is_enabled()
                return False
            except StaleElementReferenceException:
                return True
            except WebDriverException as error:
                # Chromium's way of saying the old document is gone.
                if "does not belong to the document" in str(error):
                    return True
                raise

        self.wait_until(f"a new page loads after clicking {what}", navigated,
                        observe=lambda: f"still on {self.driver.current_url}")
        self.wait_until("the new page has loaded", self.ready)

    def screenshot(self):
        """A PNG of the whole page (beyond the viewport) at --width px, when asked for."""
        if not self.args.screenshot:
            return
        metrics = self.driver.execute_cdp_cmd("Page.getLayoutMetrics", {})
        content = metrics.get("cssContentSize") or metrics.get("contentSize") or {}
        height = max(self.args.height, math.ceil(content.get("height", self.args.height)))
        content_width = math.ceil(content.get("width", self.args.width))
        shot = self.driver.execute_cdp_cmd("Page.captureScreenshot", {
            "format": "png", "captureBeyondViewport": True, "fromSurface": True,
            "clip": {"x": 0, "y": 0, "width": self.args.width, "height": height, "scale": 1},
        })
        data = base64.b64decode(shot["data"])
        directory = os.path.dirname(os.path.abspath(self.args.screenshot))
        os.makedirs(directory, exist_ok=True)
        with open(self.args.screenshot, "wb") as file:
            file.write(data)
        width, png_height = struct.unpack(">II", data[16:24]) if data[:8] == b"\x89PNG\r\n\x1a\n" else (None, None)
        self.screenshot_info = {"path": self.args.screenshot, "width": width, "height": png_height}
        if content_width > self.args.width:
            # Said, not failed: a phone test decides whether horizontal scrolling is acceptable.
            self.notes.append(f"the page is {content_width} px wide, wider than the {self.args.width} px viewport")

    # -- the console -----------------------------------------------------------------------------

    def sign_in(self):
        """The contract's sign-in: the form on `/`, the token typed, landing on `/` with the
        playbooks section. Fails on a wrong token with what the server said."""
        from selenium.webdriver.common.by import By

        root = self.url_for("/")
        self.open(root)
        self.require_now('form[action="/signin"]', "sign-in form")
        field = self.require_now('form[action="/signin"] input[type="password"][name="token"]', "password input named token in the sign-in form")
        field.clear()
        field.send_keys(self.args.token)
        self.click_and_follow(
            lambda: self.driver.find_elements(By.CSS_SELECTOR, 'form[action="/signin"] button[type="submit"], form[action="/signin"] button:not([type])'),
            '"Sign in"')
        if self.path() != urlparse(root).path:
            raise CheckFailed(f"after signing in the browser is on {self.driver.current_url}, not {root}; "
                              f"page says: {self.visible_text()[:300]!r}")
        self.require_now("section#playbooks", "playbooks section on / after signing in")

    def open_incident(self):
        if self.args.incident:
            self.open(self.url_for("/incidents/" + quote(self.args.incident, safe="")))
        else:
            from selenium.webdriver.common.by import By
            self.find('a[href^="/incidents/"]', "incident link on /")
            self.click_and_follow(lambda: self.driver.find_elements(By.CSS_SELECTOR, 'a[href^="/incidents/"]'),
                                  "first incident link")
        if not self.path().startswith("/incidents/"):
            raise CheckFailed(f"expected an incident page, the browser is on {self.driver.current_url}")
        self.require_now("main#live", "live part of the incident page")
        return self.driver.current_url

    def step_statuses(self):
        return self.js(
            "const s = {}; for (const r of document.querySelectorAll('tr[id^=\"step-\"]'))"
            " s[r.id.slice(5)] = r.getAttribute('data-status'); return s;")

    def loaded_at(self):
        return self.js("return document.body ? (document.body.dataset.loadedAt || null) : null;")

    def mark(self):
        """A value only this document holds: gone if the page reloads, whatever loadedAt does."""
        value = uuid.uuid4().hex
        self.js("window.__consoleBrowserMark = arguments[0];", value)
        return value

    def still_marked(self, value):
        return self.js("return window.__consoleBrowserMark === arguments[0];", value)

    def visible_text(self):
        from selenium.webdriver.common.by import By
        try:
            return self.driver.find_element(By.TAG_NAME, "body").text.strip()
        except Exception:
            return ""


# ---------------------------------------------------------------------------------------------
# Scenarios: each returns the detail of what it verified, or raises CheckFailed.

def signin(s):
    s.sign_in()
    s.screenshot()
    return f"signed in; on {s.driver.current_url} with section#playbooks"


def watch_incident(s):
    s.sign_in()
    page = s.open_incident()
    loaded = s.wait_until("document.body.dataset.loadedAt is set", s.loaded_at,
                          observe=lambda: s.inventory())
    mark, marked_at = s.mark(), time.monotonic()
    first = s.step_statuses()
    expectations = s.args.expectations

    def holds():
        statuses = s.step_statuses()
        return all(statuses.get(step) == status for step, status in expectations)

    if expectations:
        wanted = ", ".join(f"step-{step}={status}" for step, status in expectations)
        s.wait_until(f"{wanted} on {page}", holds, interval=0.2,
                     observe=lambda: f"steps {s.step_statuses()}, loadedAt {s.loaded_at()!r}")
    # Watch at least two refreshes (one a second) go by, even when the statuses held at once:
    # a page that reloads itself would otherwise pass the check below unseen.
    time.sleep(max(0.0, min(OBSERVE_AT_LEAST - (time.monotonic() - marked_at), s.remaining())))
    now_loaded, marked = s.loaded_at(), s.still_marked(mark)
    if now_loaded != loaded or not marked:
        raise CheckFailed(f"the page reloaded instead of updating in place: loadedAt {loaded!r} -> {now_loaded!r}, "
                          f"script state {'kept' if marked else 'lost'}")
    s.screenshot()
    last = s.step_statuses()
    how = "stayed" if last == first else "became"
    return f"{page}: steps {first} at load {how} {last} without a reload (loadedAt {loaded!r} unchanged)"


def link_page_has_decision(s):
    approve, deny = s.buttons_named("Approve"), s.buttons_named("Deny")
    if not approve or not deny:
        raise CheckFailed(f"the link page lacks a button named exactly "
                          f"{' and '.join(n for n, b in (('Approve', approve), ('Deny', deny)) if not b)}; {s.inventory()}")
    s.require_now("ul#will-run", "list of steps that run if approved")


def decide_by_link(s, button, outcome):
    s.open(s.args.url)
    link = s.driver.current_url
    link_status = s.status_code()
    link_page_has_decision(s)
    s.screenshot()  # the phone view of the link page, before deciding
    s.click_and_follow(lambda: s.buttons_named(button), f'"{button}"')
    text = s.require_now("p#outcome", "outcome paragraph after deciding").text.strip()
    if outcome.lower() not in text.lower():
        raise CheckFailed(f"p#outcome says {text!r}, expected it to contain {outcome!r} (HTTP {s.status_code() or '?'})")
    return f"{link} (HTTP {link_status or '?'}) showed Approve, Deny and ul#will-run; {button} -> {text!r}"


def approve_link(s):
    return decide_by_link(s, "Approve", "Approved")


def deny_link(s):
    return decide_by_link(s, "Deny", "Denied")


def spent_link(s, word):
    s.open(s.args.url)
    text = s.require_now("p#outcome", "outcome paragraph on the spent link").text.strip()
    s.screenshot()
    if word not in text.lower():
        raise CheckFailed(f"p#outcome says {text!r}, expected it to contain {word!r} (HTTP {s.status_code() or '?'})")
    shown = [b for b in s.buttons_named("Approve") if b.is_displayed()]
    if shown:
        raise CheckFailed(f"the spent link still shows an Approve button; p#outcome says {text!r}")
    return f"{s.driver.current_url} (HTTP {s.status_code() or '?'}): {text!r}, no Approve button"


def expired_link(s):
    return spent_link(s, "expired")


def used_link(s):
    return spent_link(s, "already")


def post_and_return(s, page, click, what):
    """Clicks a POST form's button on the incident page; fails on an error answer, and comes
    back to the incident page when the answer was another page."""
    s.click_and_follow(click, what)
    status = s.status_code()
    if status is not None and status >= 400:
        raise CheckFailed(f"clicking {what} answered HTTP {status}: {s.visible_text()[:300]!r}")
    answer = f"{what} -> {s.driver.current_url} (HTTP {status or '?'})"
    if urlparse(s.driver.current_url).path != urlparse(page).path:
        s.open(page)
    return answer


def recover(s):
    s.sign_in()
    page = s.open_incident()
    s.find('form[action$="/recover"]', "recover form")
    answer = post_and_return(
        s, page, lambda: s.buttons_named("Recover", "document.querySelector('form[action$=\"/recover\"]')"), '"Recover"')

    def recovering():
        return s.js("""
            const live = document.querySelector('main#live'); if (!live) return null;
            const status = live.getAttribute('data-incident-status');
            if (status !== null) return /^(recovering|recovered|resolved|finished)$/.test(status) ? 'data-incident-status=' + status : null;
            const copy = live.cloneNode(true);
            copy.querySelectorAll('form,button,script').forEach(e => e.remove());
            const m = (copy.textContent || '').match(/\\b(recovering|recovered|recovery|resolved)\\b/i);
            return m ? 'text "' + m[0] + '"' : null;""")

    def observe():
        status = s.js("const l = document.querySelector('main#live'); return l && l.getAttribute('data-incident-status');")
        return f"main#live data-incident-status={status!r}, steps {s.step_statuses()}"

    seen = s.wait_until("the incident shows it is recovering", recovering, interval=0.2, observe=observe)
    s.screenshot()
    return f"{answer}; incident page shows {seen}"


def retry(s):
    """Clicks "Retry what failed" on the incident's page, then waits for every --expect-status
    (the failed steps running again and ending) to show on the page without a reload."""
    s.sign_in()
    page = s.open_incident()
    s.find('form[action$="/retry"]', "retry form")
    answer = post_and_return(
        s, page, lambda: s.buttons_named("Retry what failed", "document.querySelector('form[action$=\"/retry\"]')"),
        '"Retry what failed"')
    expectations = s.args.expectations

    def holds():
        statuses = s.step_statuses()
        return all(statuses.get(step) == status for step, status in expectations)

    wanted = ", ".join(f"step-{step}={status}" for step, status in expectations)
    s.wait_until(f"{wanted} on {page}", holds, interval=0.2, observe=lambda: f"steps {s.step_statuses()}")
    if s.buttons_named("Retry what failed"):
        raise CheckFailed("the page still offers \"Retry what failed\" once nothing failed")
    s.screenshot()
    return f"{answer}; steps {s.step_statuses()}"


def approve_console(s):
    s.sign_in()
    page = s.open_incident()
    step = s.args.step
    form = "document.querySelector('form[action$=\"/approvals/' + CSS.escape(arguments[1]) + '\"]')"

    def approve_buttons():
        return s.js(
            f"const root = {form}; if (!root) return [];"
            "return [...root.querySelectorAll('button')].filter(b => b.textContent.trim() === arguments[0]);",
            "Approve", step)

    s.wait_until(f"the approval form of step {step} shows", lambda: approve_buttons(),
                 observe=lambda: f"steps {s.step_statuses()}; {s.inventory()}")
    answer = post_and_return(s, page, approve_buttons, f'"Approve" (step {step})')
    s.wait_until(f"step-{step} is succeeded", lambda: s.step_statuses().get(step) == "succeeded", interval=0.2,
                 observe=lambda: f"steps {s.step_statuses()}")
    s.screenshot()
    return f"{answer}; step-{step} succeeded"


def csrf_less_post(s):
    s.sign_in()
    target = s.url_for(s.args.post_path)
    answer = s.driver.execute_async_script("""
        const done = arguments[arguments.length - 1];
        fetch(arguments[0], {method: 'POST', body: new URLSearchParams({decision: 'approve'}), credentials: 'same-origin'})
          .then(r => r.text().then(body => done({status: r.status, body: body.slice(0, 2000)})))
          .catch(e => done({error: String(e)}));""", target)
    if "error" in answer:
        raise CheckFailed(f"POST {target} failed in the browser: {answer['error']}")
    s.status_override = answer["status"]
    body = answer.get("body", "")
    s.screenshot()
    summary = f"POST {target} without csrf (signed in) -> HTTP {answer['status']}, body {'mentions' if 'CSRF' in body else 'does not mention'} CSRF: {body[:200]!r}"
    if answer["status"] != 403:
        raise CheckFailed(summary + "; expected 403")
    return summary


def run_by_hand(s):
    """From `/`: "Run…" on the playbook's row, pick the trigger, see its plan, confirm with
    "Run"; ends on the new incident's page, whose id the detail gives."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    s.sign_in()
    row = 'tr[data-playbook="%s"]' % s.args.playbook if s.args.playbook else "tr[data-playbook]"
    s.find(row, "playbook row on /")
    s.click_and_follow(lambda: s.buttons_named("Run…", "document.querySelector('%s')" % row.replace("'", "\\'")), '"Run…"')
    if not s.path().startswith("/run/"):
        raise CheckFailed(f"after Run… the browser is on {s.driver.current_url}")
    if s.args.trigger:
        select = s.require_now("select#trigger", "trigger choice")
        Select(select).select_by_value(s.args.trigger)
        s.click_and_follow(lambda: s.buttons_named("Show its plan"), '"Show its plan"')
    s.require_now("table#plan", "the plan of the chosen trigger")
    s.screenshot()
    s.click_and_follow(lambda: s.buttons_named("Run"), '"Run"')
    if not s.path().startswith("/incidents/"):
        raise CheckFailed(f"after Run the browser is on {s.driver.current_url}: {s.visible_text()[:300]!r}")
    s.require_now("main#live", "live part of the new incident's page")
    return "incident " + s.path().split("/incidents/", 1)[1]


RUN = {
    "signin": signin, "watch-incident": watch_incident, "approve-link": approve_link, "deny-link": deny_link,
    "expired-link": expired_link, "used-link": used_link, "recover": recover,
    "approve-console": approve_console, "csrf-less-post": csrf_less_post, "run-by-hand": run_by_hand,
    "retry": retry,
}


# ---------------------------------------------------------------------------------------------

def main(argv):
    args = parse(argv)
    session = Session(args)
    result = {"ok": False, "title": None, "text": "", "status_code": None, "detail": None,
              "scenario": args.scenario, "url": None, "screenshot": None}

    def watchdog():
        result["detail"] = (f"gave up: the scenario was still running {args.timeout + 10:g} s after it started "
                            f"(--timeout {args.timeout:g} + 10); chromedriver and Chromium were killed")
        code = emit(result, 1)
        if code is not None:
            session.kill_group()
            os._exit(1)

    timer = threading.Timer(args.timeout + 10, watchdog)
    timer.daemon = True
    timer.start()
    # `timeout` (or a test's cleanup) sends SIGTERM: end through `finally`, which quits the browser.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    code = 1
    try:
        session.start()
        detail = RUN[args.scenario](session)
        result["ok"], result["detail"], code = True, detail, 0
    except CheckFailed as failure:
        result["detail"] = str(failure)
    except SystemExit:
        result["detail"] = "ended by a signal before the scenario finished"
    except Exception as error:  # the browser or driver failing is a failed run, said plainly
        result["detail"] = f"{type(error).__name__}: {str(error).strip().splitlines()[0] if str(error).strip() else ''}"
    finally:
        if session.driver is not None:
            if not result["ok"] and args.screenshot and session.screenshot_info is None:
                try:  # the page a failed scenario ended on: usually what explains the failure
                    session.screenshot()
                except Exception:
                    pass
            try:
                result["title"] = session.driver.title
                result["url"] = session.driver.current_url
                result["text"] = session.visible_text()[:TEXT_LIMIT]
                result["status_code"] = session.status_override if session.status_override is not None else session.status_code()
            except Exception as error:
                result["detail"] = f"{result['detail']} (and the final page could not be read: {type(error).__name__})"
        if session.notes:
            result["detail"] = f"{result['detail']}; note: {'; '.join(session.notes)}"
        result["screenshot"] = session.screenshot_info
        session.quit()
        timer.cancel()
    if emit(result, code) is None:  # the watchdog spoke first
        os._exit(1)
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
