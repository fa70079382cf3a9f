"""Fan-out of store events to subscribers with bounded memory.

Publishing never blocks and never waits for a subscriber. Output for a subscriber that falls
behind is merged per session, keeping at most ``output_line_cap`` pending lines per session (the
rest are counted as skipped); an agent's final message of a turn is never merged, so it arrives
whole. Every other event is queued and delivered in order, never dropped.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import AsyncIterator

from tether_tui.events import Event, OutputAppended

log = logging.getLogger(__name__)


class Subscription:
    def __init__(self, bus: EventBus, name: str, output_line_cap: int) -> None:
        self.name = name
        self.output_line_cap = output_line_cap
        self.skipped_lines = 0
        self._bus = bus
        self._queue: deque[Event] = deque()
        self._pending_output: dict[str, OutputAppended] = {}
        self._ready = asyncio.Event()
        self._closed = False

    def _push(self, event: Event) -> None:
        if isinstance(event, OutputAppended):
            pending = self._pending_output.get(event.session_id)
            if pending is not None and not pending.final and not event.final:
                pending.lines.extend(event.lines)
                pending.skipped += event.skipped
                self._trim(pending)
                return
            chunk = OutputAppended(event.session_id, list(event.lines), event.first_seq, event.skipped, event.final)
            if not chunk.final:  # a final message arrives whole; its readers bound what they show
                self._trim(chunk)
            self._pending_output[event.session_id] = chunk
            self._queue.append(chunk)
        else:
            self._queue.append(event)
        self._ready.set()

    def _trim(self, chunk: OutputAppended) -> None:
        excess = len(chunk.lines) - self.output_line_cap
        if excess > 0:
            del chunk.lines[:excess]
            chunk.first_seq += excess
            chunk.skipped += excess
            self.skipped_lines += excess

    @property
    def backlog(self) -> int:
        return len(self._queue)

    def drain(self) -> list[Event]:
        """Everything pending, without waiting."""
        events = list(self._queue)
        self._queue.clear()
        self._pending_output.clear()
        self._ready.clear()
        return events

    async def next_batch(self) -> list[Event]:
        """Wait for at least one event and return all that are pending. Empty once closed."""
        while not self._queue:
            if self._closed:
                return []
            await self._ready.wait()
            self._ready.clear()
        return self.drain()

    def __aiter__(self) -> AsyncIterator[list[Event]]:
        return self._iterate()

    async def _iterate(self) -> AsyncIterator[list[Event]]:
        while True:
            batch = await self.next_batch()
            if not batch:
                return
            yield batch

    def close(self) -> None:
        self._closed = True
        self._ready.set()
        self._bus._remove(self)


class EventBus:
    def __init__(self) -> None:
        self._subscriptions: list[Subscription] = []

    def subscribe(self, name: str, *, output_line_cap: int = 2000) -> Subscription:
        subscription = Subscription(self, name, output_line_cap)
        self._subscriptions.append(subscription)
        return subscription

    def publish(self, event: Event) -> None:
        for subscription in self._subscriptions:
            try:
                subscription._push(event)
            except Exception:  # a broken subscriber must not break the publisher
                log.exception("subscriber %s failed to take an event", subscription.name)

    def _remove(self, subscription: Subscription) -> None:
        if subscription in self._subscriptions:
            self._subscriptions.remove(subscription)

    @property
    def subscriber_count(self) -> int:
        return len(self._subscriptions)
