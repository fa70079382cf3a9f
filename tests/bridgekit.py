"""What the bridge tests of every platform share."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from typing import TypeVar

from bridges.base import ChatBridge
from runners.launcher import SessionLauncher
from tether_tui.models import Via
from tether_tui.store import SessionStore

B = TypeVar("B", bound=ChatBridge)


async def started(bridge: B) -> B:
    await asyncio.wait_for(bridge.start(), 20)
    return bridge


@contextlib.asynccontextmanager
async def demo_with(build: Callable[[SessionStore], B]) -> AsyncIterator[tuple[SessionStore, str, B]]:
    """A demo agent in a store with a bridge attached: (store, session id, bridge)."""
    store = SessionStore()
    session_id = await SessionLauncher(store).start_demo(0, speed=20)
    bridge = await started(build(store))
    try:
        yield store, session_id, bridge
    finally:
        await bridge.stop()
        await store.stop_session(session_id, by="test", via=Via.SYSTEM)
