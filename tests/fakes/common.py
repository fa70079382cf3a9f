"""What every fake platform server shares: an aiohttp app on 127.0.0.1 (port 0), waiting for a
condition, injected faults, and rate limit windows."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web


@dataclass
class Fault:
    method: str
    status: int
    retry_after: float


class FakeServer:
    name = "fake"

    def __init__(self) -> None:
        self.port = 0
        self.faults: list[Fault] = []
        self.too_many = 0
        self.rejected: list[tuple[str, str]] = []
        """(method, problem) for every request a real platform would refuse or render badly."""
        self.down = False
        self._changed = asyncio.Event()
        self._runner: web.AppRunner | None = None

    def routes(self, app: web.Application) -> None:
        raise NotImplementedError

    async def start(self) -> None:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        self.routes(app)
        self._runner = web.AppRunner(app, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    def changed(self) -> None:
        self._changed.set()

    def fail_next(self, method: str, status: int = 429, times: int = 1, retry_after: float = 1) -> None:
        """The next ``times`` calls of ``method`` fail: 429 (with retry-after), 5xx, or 0 for a
        dropped connection."""
        self.faults.extend(Fault(method, status, retry_after) for _ in range(times))

    def take_fault(self, method: str) -> Fault | None:
        for index, fault in enumerate(self.faults):
            if fault.method == method:
                del self.faults[index]
                return fault
        return None

    async def wait_for(self, predicate: Any, timeout: float = 10.0) -> Any:
        deadline = time.monotonic() + timeout
        while True:
            result = predicate()
            if result:
                return result
            if time.monotonic() > deadline:
                raise AssertionError(f"{self.name}: condition not reached")
            self._changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), 0.05)


@dataclass
class Window:
    """At most ``limit`` calls in any ``seconds``; ``retry_after`` says when the next may go."""

    limit: int
    seconds: float
    stamps: deque[float] = field(default_factory=deque)

    def take(self, now: float | None = None) -> float | None:
        """Count a call; None when allowed, else the seconds to wait."""
        now = time.monotonic() if now is None else now
        while self.stamps and now - self.stamps[0] >= self.seconds:
            self.stamps.popleft()
        if len(self.stamps) >= self.limit:
            return self.stamps[0] + self.seconds - now
        self.stamps.append(now)
        return None


class Windows:
    """Windows made on first use, one per key (a channel, a method)."""

    def __init__(self, limit: int, seconds: float) -> None:
        self.limit, self.seconds = limit, seconds
        self._windows: dict[str, Window] = {}

    def take(self, key: str) -> float | None:
        window = self._windows.setdefault(key, Window(self.limit, self.seconds))
        return window.take()
