"""What the screens ask of the application, as a protocol: screens reach the app's actions
through ``self.app`` without importing the application module (which imports them)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Literal, Protocol

from tether_tui.store import SessionStore

if TYPE_CHECKING:
    from tether_tui.app.toasts import Toasts

Severity = Literal["information", "warning", "error"]


class Dashboard(Protocol):
    store: SessionStore
    user: str
    toasts: Toasts

    def decide(self, request_id: str, allow: bool, reason: str | None = None) -> bool: ...

    def deny_with_reason(self, request_id: str, on_done: Callable[[], object] | None = None) -> None: ...

    def allow_for(self, request_id: str, on_done: Callable[[], object] | None = None) -> None: ...

    def open_details(self, request_id: str) -> None: ...

    async def send_input(self, session_id: str, text: str) -> bool: ...

    async def run_chat_command(self, name: str, args: str, session_id: str | None) -> None: ...

    def tell(
        self, text: str, *, title: str = "", severity: Severity = "information", timeout: float | None = None, kind: str | None = None
    ) -> None:
        """A notice: shown for a while and kept in the notice history. Never read as markup. A
        newer notice of the same ``kind`` replaces the one shown."""
