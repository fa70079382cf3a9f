"""What a chat platform module provides to the shared bridge code."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from bridges.markup import Markup
from tether_tui.models import Via

Buttons = list[list[tuple[str, str]]]
"""Rows of (label, payload) buttons."""


@dataclass(frozen=True)
class ChatUser:
    id: str
    name: str


class ChatPlatform(Protocol):
    name: str
    via: Via
    command_prefix: str
    """How commands are written: "/" on Telegram; "!" where the client keeps "/" for itself."""

    @property
    def markup(self) -> Markup:
        """The platform's own markup (read only: each platform has its own kind)."""
        ...

    async def connect(self) -> None:
        """Log in and start receiving updates. Raises bridges.pacing.Unreachable to be retried."""
        ...

    async def disconnect(self) -> None: ...

    async def create_thread(self, title: str) -> str: ...

    def thread_link(self, thread_id: str) -> str | None:
        """The thread as a link in the platform's own markup, or None where the platform has none."""
        ...

    async def send(self, thread_id: str | None, text: str, buttons: Buttons | None = None) -> str:
        """Send a message to a thread (None: the channel or group itself); returns its id.
        Raises bridges.pacing.RetryLater / Unreachable."""
        ...

    async def edit(self, thread_id: str, message_id: str, text: str, buttons: Buttons | None = None) -> None: ...

    async def send_file(self, thread_id: str, filename: str, data: bytes, caption: str) -> None: ...

    async def typing(self, thread_id: str) -> None: ...

    def bind(self, chat: str) -> None:
        """Make ``chat`` the one this platform object mirrors into (it had none yet)."""
        ...

    async def chat_problems(self, chat: str) -> list[str]:
        """What keeps ``chat`` from holding the sessions, each with its fix (empty: nothing)."""
        ...
