"""The load phases of `make bench`: a minimal asyncio HTTP/1.1 client on keep-alive
connections (a few µs per request, so the server, not the client, is what is measured),
and the machine and process figures recorded with each phase."""

import asyncio
import contextlib
import itertools
import os
import platform
import socket
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SECONDS = float(os.environ.get("BENCH_SECONDS", "10"))
WARMUP = float(os.environ.get("BENCH_WARMUP", "2"))
CONCURRENCY = int(os.environ.get("BENCH_CONCURRENCY", "16"))
PDF_RENDERS = int(os.environ.get("BENCH_PDF_RENDERS", "30"))


# --- machine and process figures ------------------------------------------------------


def machine() -> dict[str, Any]:
    model = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpu": model,
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
    }


def process_cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (Linux /proc), in seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# --- a minimal keep-alive HTTP/1.1 client for the load phases -----------------------------


class Connection:
    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(self, raw: bytes) -> tuple[int, int]:
        """Send one prepared request; return (status, body bytes)."""
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        self.writer.write(raw)
        head = await self.reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        headers = {}
        for line in lines[1:]:
            if ":" in line:
                name, value = line.split(":", 1)
                headers[name.strip().lower()] = value.strip()
        if "content-length" in headers:
            body = await self.reader.readexactly(int(headers["content-length"]))
            size = len(body)
        elif headers.get("transfer-encoding", "").lower() == "chunked":
            size = 0
            while True:
                chunk = int((await self.reader.readuntil(b"\r\n")).strip().split(b";")[0], 16)
                if chunk == 0:
                    await self.reader.readuntil(b"\r\n")
                    break
                size += len(await self.reader.readexactly(chunk + 2)) - 2
        else:
            raise RuntimeError("a response without a length")
        if headers.get("connection", "").lower() == "close":
            await self.close()
        return status, size

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            with contextlib.suppress(OSError):
                await self.writer.wait_closed()
        self.reader = self.writer = None


def prepare(method: str, path: str, host: str, headers: dict[str, str], body: bytes = b"") -> bytes:
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}", "Connection: keep-alive"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    if body or method in ("POST", "PUT"):
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


@dataclass
class LoadResult:
    name: str
    requests: int
    errors: int
    seconds: float
    latencies_ms: list[float] = field(repr=False)
    client_cpu_s: float
    server_cpu_s: float

    @property
    def rps(self) -> float:
        return self.requests / self.seconds

    def summary(self) -> dict[str, Any]:
        lat = sorted(self.latencies_ms)
        return {
            "requests": self.requests,
            "errors": self.errors,
            "seconds": round(self.seconds, 2),
            "rps": round(self.rps, 1),
            "p50_ms": round(percentile(lat, 50), 2),
            "p99_ms": round(percentile(lat, 99), 2),
            "client_cpu_percent": round(100 * self.client_cpu_s / self.seconds, 1),
            "server_cpu_percent": round(100 * self.server_cpu_s / self.seconds, 1),
        }


def percentile(sorted_values: list[float], p: float) -> float:
    if not sorted_values:
        return float("nan")
    k = (len(sorted_values) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(sorted_values) - 1)
    return sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * (k - lo)


async def load(
    name: str, host: str, port: int, raw: bytes | list[bytes], server_pid: int, expect: int = 200
) -> LoadResult:
    """WARMUP seconds unmeasured, then SECONDS measured, CONCURRENCY clients in a loop.
    With a list of requests, each request sent is the next one of the list, in turn."""
    requests = itertools.cycle(raw if isinstance(raw, list) else [raw])
    connections = [Connection(host, port) for _ in range(CONCURRENCY)]
    latencies: list[float] = []
    counts = {"ok": 0, "errors": 0}
    measuring = False

    async def client(conn: Connection, until: float) -> None:
        while time.perf_counter() < until:
            start = time.perf_counter()
            status, _size = await conn.request(next(requests))
            elapsed = time.perf_counter() - start
            if measuring:
                latencies.append(elapsed * 1000)
                counts["ok" if status == expect else "errors"] += 1

    until = time.perf_counter() + WARMUP
    await asyncio.gather(*(client(c, until) for c in connections))
    measuring = True
    cpu0, server0 = time.process_time(), process_cpu_seconds(server_pid)
    start = time.perf_counter()
    await asyncio.gather(*(client(c, start + SECONDS) for c in connections))
    seconds = time.perf_counter() - start
    cpu1, server1 = time.process_time(), process_cpu_seconds(server_pid)
    for c in connections:
        await c.close()
    return LoadResult(
        name,
        counts["ok"],
        counts["errors"],
        seconds,
        latencies,
        cpu1 - cpu0,
        server1 - server0,
    )
