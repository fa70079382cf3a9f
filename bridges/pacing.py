"""Sending to a chat platform within its limits: priorities, coalescing, a per-chat budget,
retries that obey the platform's "retry after", and backoff while it is unreachable.

Approvals go first and never wait behind output; output updates only spend the budget that is
left over (a reserve is kept for approvals), and an output job for a thread is replaced, not
queued again, when newer output arrives.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from enum import IntEnum

log = logging.getLogger(__name__)


class Priority(IntEnum):
    APPROVAL = 0
    DECISION = 1
    REPLY = 2
    NOTICE = 3
    OUTPUT = 4


class RetryLater(Exception):
    """The platform said to wait (429)."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"retry after {seconds} s")
        self.seconds = seconds


class Unreachable(Exception):
    """The platform could not be reached; try again with backoff."""


@dataclass(order=True)
class Job:
    priority: int
    sequence: int
    run: Callable[[], Awaitable[None]] = field(compare=False)
    key: str | None = field(default=None, compare=False)
    description: str = field(default="", compare=False)
    ready_at: float = field(default=0.0, compare=False)
    """Not before this time (on the scheduler's clock)."""


@dataclass
class Budget:
    per_minute: int = 18
    """Sends and edits per minute to one chat (Telegram allows 20 per group)."""
    min_interval: float = 1.05
    """Seconds between two sends to one chat."""
    reserve: int = 4
    """Slots of the window that output may not use, kept for approvals (while any may come)."""
    window: float = 61.0
    """Seconds a send counts against the budget (a second more than the platform's minute)."""


class SendScheduler:
    def __init__(
        self,
        budget: Budget,
        *,
        on_reachable: Callable[[bool, str | None], None] = lambda _ok, _why: None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.budget = budget
        self._on_reachable = on_reachable
        self._clock = clock
        self.approvals_possible: Callable[[], bool] = lambda: True
        """Whether an approval may still come; when none can, output may use the reserve too."""
        self._jobs: list[Job] = []
        self._by_key: dict[str, Job] = {}
        self._running: Job | None = None
        self._sequence = itertools.count()
        self._wake = asyncio.Event()
        self.clock = clock
        self._sent: deque[float] = deque()
        self._last = -1e9
        self._backoff = 0.0
        self.sent = 0
        self.retries = 0
        self.failures = 0

    def submit(
        self,
        priority: Priority,
        run: Callable[[], Awaitable[None]],
        *,
        key: str | None = None,
        description: str = "",
        ready_at: float = 0.0,
    ) -> None:
        """Queue a send; a queued job with the same ``key`` is replaced in place (and keeps the
        more urgent of the two priorities and the new ``ready_at``)."""
        if key is not None and key in self._by_key:
            queued = self._by_key[key]
            queued.run = run
            if int(priority) < queued.priority:
                queued.priority, queued.ready_at = int(priority), ready_at
            else:
                queued.ready_at = ready_at
            self._wake.set()
            return
        job = Job(int(priority), next(self._sequence), run, key, description, ready_at)
        self._jobs.append(job)
        if key is not None:
            self._by_key[key] = job
        self._wake.set()

    @property
    def backlog(self) -> int:
        return len(self._jobs)

    def queued(self, key_prefix: str) -> bool:
        """Is a send whose key starts with ``key_prefix`` still queued (or being sent)?"""
        running = self._running.key if self._running is not None else None
        return any(key.startswith(key_prefix) for key in (*self._by_key, running or ""))

    def anything_due(self) -> bool:
        """Is any queued send ready to go (not just waiting for its moment)?"""
        now = self._clock()
        return any(job.ready_at <= now for job in self._jobs)

    def _free_slots(self, now: float) -> int:
        while self._sent and now - self._sent[0] >= self.budget.window:
            self._sent.popleft()
        return self.budget.per_minute - len(self._sent)

    def _next(self, now: float) -> tuple[Job | None, float]:
        """The job to run now, or how long to wait."""
        if not self._jobs:
            return None, 3600.0
        free = self._free_slots(now)
        wait_interval = max(0.0, self._last + self.budget.min_interval - now)
        slot_free_at = self._sent[0] + self.budget.window - now if self._sent else 0.0
        reserve = self.budget.reserve if self.approvals_possible() else 0
        next_ready = 3600.0
        for job in sorted(self._jobs):
            if job.ready_at > now:
                next_ready = min(next_ready, job.ready_at - now)
                continue
            needed = 1 + (reserve if job.priority >= Priority.OUTPUT else 0)
            if free >= needed:
                return (job, 0.0) if wait_interval <= 0 else (None, wait_interval)
            next_ready = min(next_ready, max(wait_interval, slot_free_at, 0.05))
        return None, max(0.01, next_ready)

    def _remove(self, job: Job) -> None:
        self._jobs.remove(job)
        if job.key is not None and self._by_key.get(job.key) is job:
            del self._by_key[job.key]

    async def run(self) -> None:
        while True:
            now = self._clock()
            job, wait = self._next(now)
            if job is None:
                self._wake.clear()
                # asyncio.timeout, not wait_for: on 3.11 wait_for can swallow a cancellation
                # that arrives as the event is set, and stop() would then wait forever
                try:
                    async with asyncio.timeout(wait):
                        await self._wake.wait()
                except TimeoutError:
                    pass
                continue
            self._remove(job)
            self._sent.append(now)
            self._last = now
            self._running = job
            try:
                await job.run()
            except RetryLater as exc:
                self.retries += 1
                log.info("platform asked to wait %.1f s before %s", exc.seconds, job.description)
                self._requeue(job)
                self._last = self._clock() + exc.seconds - self.budget.min_interval
                await asyncio.sleep(exc.seconds)
                continue
            except Unreachable as exc:
                self.retries += 1
                self._backoff = min(30.0, self._backoff * 2 if self._backoff else 1.0)
                self._on_reachable(False, str(exc))
                log.warning("platform unreachable (%s); retrying %s in %.0f s", exc, job.description, self._backoff)
                self._requeue(job)
                await asyncio.sleep(self._backoff)
                continue
            except asyncio.CancelledError:
                raise
            except Exception:
                self.failures += 1
                log.exception("could not send %s", job.description)
                continue
            finally:
                self._running = None
            self.sent += 1
            if self._backoff:
                self._backoff = 0.0
            self._on_reachable(True, None)

    def _requeue(self, job: Job) -> None:
        if job.key is not None and job.key in self._by_key:
            return  # a newer job for the same key is queued: it supersedes this one
        self._jobs.append(job)
        if job.key is not None:
            self._by_key[job.key] = job
