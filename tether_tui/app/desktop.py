"""Desktop notifications when a request needs a person: ``notify-send`` where it exists, else
the terminal's own (OSC 777 and OSC 9, which terminals that do not know them ignore)."""

from __future__ import annotations

import asyncio
import contextlib
import re
import shutil
from typing import Any

from textual.app import App

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def _clean(text: str, limit: int) -> str:
    text = _CONTROL.sub(" ", text).replace(";", ",")
    return text if len(text) <= limit else text[: limit - 1] + "…"


class DesktopNotifier:
    def __init__(self, app: App[Any]) -> None:
        self.app = app
        self.notify_send = shutil.which("notify-send")
        self.sent = 0

    def send(self, title: str, body: str) -> None:
        title, body = _clean(title, 120), _clean(body, 300)
        self.sent += 1
        if self.notify_send:
            self.app.run_worker(self._notify_send(title, body), name="desktop notification")
            return
        driver = self.app._driver  # the terminal the dashboard draws on
        if driver is not None:
            with contextlib.suppress(Exception):
                driver.write(f"\x1b]777;notify;{title};{body}\x07\x1b]9;{title}: {body}\x07")
                driver.flush()

    async def _notify_send(self, title: str, body: str) -> None:
        assert self.notify_send is not None
        with contextlib.suppress(OSError):
            process = await asyncio.create_subprocess_exec(
                self.notify_send,
                "--app-name=tether-tui",
                title,
                body,
                stdout=asyncio.subprocess.DEVNULL,
                stderr=asyncio.subprocess.DEVNULL,
            )
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(process.wait(), 5)
