"""Waiting in async tests for something another process or task does."""

from __future__ import annotations

import asyncio
import math
from collections.abc import Callable


async def until(check: Callable[[], object], timeout: float = 20.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not check():
        if loop.time() > deadline:
            raise AssertionError("timed out")
        await asyncio.sleep(0.02)


async def read_first(pilot) -> None:
    """What a person does before a decision key: the request on screen is read (its grace time
    passes) and the key is a fresh press, not the tail of an earlier run of keys."""
    from tether_tui.app.screens.main import BURST_GAP
    from tether_tui.clock import FakeClock

    app = pilot.app
    wait = app.store.config.dashboard.key_grace_seconds + BURST_GAP
    if isinstance(app.store.clock, FakeClock):
        app.store.clock.advance(math.ceil(wait))  # whole seconds: the scene's times stay round
    else:
        await asyncio.sleep(wait)
    screen = app._main_screen()
    if screen is not None:
        screen.refresh_clocks()
    await pilot.pause()
