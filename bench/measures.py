"""The figures of `make bench` that are not load: the tablet page's weight and the hosts
it loads from, and the ranking core timed in-process."""

import re
import sys
import time
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx2

from bench.loadgen import percentile

ROOT = Path(__file__).resolve().parent.parent


# --- the tablet page --------------------------------------------------------------------


class References(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("src", "href", "action", "poster", "srcset", "data") and value:
                self.found.append((tag, value))


CSS_URL = re.compile(r"""url\(\s*['"]?([^'")]+)['"]?\s*\)|@import\s+['"]([^'"]+)['"]""")


def tablet_page(base: str) -> dict[str, Any]:
    """Bytes of the start page plus the same-host CSS, JS and images it loads."""
    origin = urlsplit(base).netloc
    fetched: dict[str, int] = {}
    third_party: set[str] = set()
    header_bytes = 0
    with httpx2.Client(base_url=base) as client:
        queue = ["/tablet"]
        while queue:
            path = queue.pop(0)
            if path in fetched:
                continue
            response = client.get(path)
            response.raise_for_status()
            fetched[path] = len(response.content)
            header_bytes += sum(len(k) + len(v) + 4 for k, v in response.headers.raw) + 17
            kind = response.headers.get("content-type", "")
            refs: list[str] = []
            if "html" in kind:
                parser = References()
                parser.feed(response.text)
                # A link to navigate (a, form) is not a request the page makes; assets are.
                refs = [v for tag, v in parser.found if tag not in ("a", "form")]
                third_party |= {
                    urlsplit(urljoin(base, v)).netloc
                    for tag, v in parser.found
                    if urlsplit(urljoin(base, v)).netloc not in ("", origin)
                }
            elif "css" in kind:
                refs = [a or b for a, b in CSS_URL.findall(response.text)]
            for ref in refs:
                absolute = urlsplit(urljoin(base + path, ref))
                if absolute.scheme in ("data", "blob"):
                    continue
                if absolute.netloc not in ("", origin):
                    third_party.add(absolute.netloc)
                elif absolute.path not in fetched:
                    queue.append(absolute.path + (f"?{absolute.query}" if absolute.query else ""))
    body = sum(fetched.values())
    return {
        "resources": fetched,
        "body_bytes": body,
        "header_bytes": header_bytes,
        "total_bytes": body + header_bytes,
        "third_party_hosts": sorted(third_party),
    }


# --- the ranking core -------------------------------------------------------------------


def time_call(fn: Callable[[], object], repeat: int) -> dict[str, float]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return {
        "runs": repeat,
        "p50_ms": round(percentile(times, 50), 3),
        "p99_ms": round(percentile(times, 99), 3),
    }


def ranking_core(wishes: dict[str, list[str]]) -> dict[str, Any]:
    sys.path.insert(0, str(ROOT))
    from app.catalogue import load_directory
    from app.ranking import RankingRequest, rank
    from tests.builders import DRUGDATA, make_dataset, make_drug

    request = RankingRequest(avoid=tuple(wishes["avoid"]), helpful=tuple(wishes["helpful"]))
    real = load_directory(DRUGDATA)
    item_ids = [i.id for i in real.checklist]
    synthetic = make_dataset(
        [
            make_drug(
                f"synthetic-{n:04d}",
                {
                    item: (None if (n + k) % 17 == 0 else (n * 7 + k * 3) % 4)
                    for k, item in enumerate(item_ids)
                },
            )
            for n in range(1000)
        ]
    )
    rank(real, request)  # warm
    rank(synthetic, request)
    return {
        "real": {"drugs": len(real.drugs), **time_call(lambda: rank(real, request), 500)},
        "synthetic": {
            "drugs": len(synthetic.drugs),
            **time_call(lambda: rank(synthetic, request), 30),
        },
    }
