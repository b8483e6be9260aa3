"""Checks the browser tests share: axe, focus visibility, touch targets, chromium itself."""

from __future__ import annotations

import os
import shutil
from functools import cache
from pathlib import Path
from typing import Any

import axe_playwright_python
from playwright.sync_api import Page

# WCAG 2.0, 2.1 and 2.2, levels A and AA (axe has no wcag22a rules at present).
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
AXE_SOURCE = Path(axe_playwright_python.__file__).with_name("axe.min.js")
MIN_TARGET = 44  # CSS px: WCAG 2.5.5 (AAA) size, asked for on a shared touch tablet
MIN_FOCUS_CONTRAST = 3.0  # WCAG 1.4.11: a focus indicator is a user-interface component


def chromium_executable() -> str:
    """Debian's chromium as its headless shell, or CHROMIUM (Playwright never downloads
    its own browser here)."""
    wanted = os.environ.get("CHROMIUM", "/usr/bin/chromium-headless-shell")
    found = wanted if os.path.isfile(wanted) else shutil.which(wanted)
    if not found or not os.access(found, os.X_OK):
        raise FileNotFoundError(
            f"chromium was not found at {wanted!r}: run scripts/ensure-browser "
            "(it installs Debian's chromium-headless-shell), or set CHROMIUM to its path"
        )
    return found


def chromium_args() -> list[str]:
    """Chromium's sandbox cannot start as root (containers, CI)."""
    return ["--no-sandbox"] if os.geteuid() == 0 else []


@cache
def _axe_source() -> str:
    return AXE_SOURCE.read_text(encoding="utf-8")


def axe_violations(page: Page) -> list[dict[str, Any]]:
    """Run axe in the page. Playwright evaluates over the DevTools protocol, so the
    app's strict CSP (script-src 'self', no inline) stays on and does not block it."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(_axe_source())
    results = page.evaluate(
        "options => window.axe.run(document, options)",
        {"runOnly": {"type": "tag", "values": AXE_TAGS}, "resultTypes": ["violations"]},
    )
    return list(results["violations"])


def format_violations(label: str, violations: list[dict[str, Any]]) -> str:
    lines = [f"axe found {len(violations)} WCAG A/AA violation(s) on {label}:"]
    for v in violations:
        lines.append(f"- {v['id']} ({v.get('impact')}): {v['help']} <{v.get('helpUrl', '')}>")
        for node in v["nodes"][:10]:
            target = " ".join(str(t) for t in node["target"])
            lines.append(f"    at {target}")
            summary = (node.get("failureSummary") or "").strip().splitlines()
            if len(summary) > 1:
                lines.append(f"       {summary[1].strip()}")
        if len(v["nodes"]) > 10:
            lines.append(f"    ... and {len(v['nodes']) - 10} more")
    return "\n".join(lines)


def small_targets(page: Page) -> list[str]:
    """Visible buttons, button-links, language links and checkbox labels under 44x44."""
    return list(
        page.evaluate(
            """min => {
              const found = [];
              const sel = "button, a.button, .langs a, .choice label, input[type=submit]";
              for (const el of document.querySelectorAll(sel)) {
                if (el.closest("[hidden]")) continue;
                const r = el.getBoundingClientRect();
                if (r.width === 0 && r.height === 0) continue;
                if (r.width < min || r.height < min) {
                  const name = (el.getAttribute("aria-label") || el.textContent).trim();
                  found.push(`${el.tagName.toLowerCase()} "${name.slice(0, 40)}" ` +
                             `${Math.round(r.width)}x${Math.round(r.height)}`);
                }
              }
              return found;
            }""",
            MIN_TARGET,
        )
    )


FOCUS_STATE_JS = r"""() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const style = getComputedStyle(el);
  const rgb = s => (s.match(/[\d.]+/g) || []).slice(0, 3).map(Number);
  const lum = ([r, g, b]) => {
    const f = c => { c /= 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  // The page's background (white if the body's is transparent).
  const body = getComputedStyle(document.body).backgroundColor;
  const bg = /^rgba\(.*,\s*0\)$/.test(body) ? [255, 255, 255] : rgb(body);
  const contrast = c => {
    const [a, b] = [lum(c), lum(bg)].sort((x, y) => y - x);
    return (a + 0.05) / (b + 0.05);
  };
  const outline = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0;
  const shadow = style.boxShadow && style.boxShadow !== "none";
  let best = 0;
  if (outline) best = Math.max(best, contrast(rgb(style.outlineColor)));
  if (shadow) {
    for (const m of style.boxShadow.matchAll(/rgba?\([^)]*\)/g)) {
      best = Math.max(best, contrast(rgb(m[0])));
    }
  }
  const r = el.getBoundingClientRect();
  const x = r.left + Math.min(r.width / 2, 10), y = r.top + r.height / 2;
  const top = document.elementFromPoint(x, y);
  const label = el.id ? document.querySelector(`label[for="${el.id}"]`) : null;
  // Covered: the point is on something else than the element (or its own label).
  const own = top && (el.contains(top) || top.contains(el) || (label && label.contains(top)));
  return {
    tag: el.tagName.toLowerCase(),
    id: el.id,
    type: el.getAttribute("type"),
    name: el.getAttribute("name"),
    value: el.value === undefined ? null : String(el.value),
    text: (el.getAttribute("aria-label") || el.textContent || "").trim().slice(0, 80),
    visible: Boolean(outline || shadow),
    contrast: best,
    inViewport: r.bottom > 0 && r.right > 0 && r.top < innerHeight && r.left < innerWidth,
    covered: !own,
    indicator: `outline: ${style.outlineStyle} ${style.outlineWidth} ${style.outlineColor}; ` +
               `box-shadow: ${style.boxShadow}`,
  };
}"""


def focus_state(page: Page) -> dict[str, Any] | None:
    state: dict[str, Any] | None = page.evaluate(FOCUS_STATE_JS)
    return state


def focus_problem(state: dict[str, Any] | None) -> str | None:
    """Why the focused element's focus would not be seen, or None when it would."""
    if state is None:
        return "nothing is focused"
    what = f"<{state['tag']} id={state['id']!r} name={state['name']!r}> {state['text']!r}"
    if not state["visible"]:
        return f"no visible focus indicator on {what}: {state['indicator']}"
    if state["contrast"] < MIN_FOCUS_CONTRAST:
        return (
            f"focus indicator on {what} has contrast {state['contrast']:.2f}:1 against the "
            f"page, below {MIN_FOCUS_CONTRAST}:1 (WCAG 1.4.11): {state['indicator']}"
        )
    if not state["inViewport"]:
        return f"focused element is scrolled out of view: {what}"
    if state["covered"]:
        return f"focused element is hidden under other content (WCAG 2.4.11): {what}"
    return None
