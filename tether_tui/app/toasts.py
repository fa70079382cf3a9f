"""Toasts that never pile up and never cover a dialog or the command palette."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from textual.app import App
from textual.notifications import Notification
from textual.screen import ModalScreen

if TYPE_CHECKING:
    from tether_tui.app.actions import Severity

MODAL_TOASTS_HIDDEN = "ModalScreen ToastRack { display: none; }"
"""App CSS: no toast drawn over a dialog or the palette (Textual's own ones included)."""


class Toasts:
    """One toast per kind at a time: a newer one replaces the one shown. Told while a dialog or
    the palette is open, the newest of each kind waits and shows when the dashboard is on top
    again (:meth:`release`). Every notice is in the notice history anyway (``m``)."""

    def __init__(self, app: App[Any]) -> None:
        self.app = app
        self._shown: dict[str, Notification] = {}
        self._held: dict[str, Notification] = {}

    def show(self, kind: str, text: str, *, title: str, severity: Severity, timeout: float | None) -> None:
        toast = Notification(text, title, severity, self.app.NOTIFICATION_TIMEOUT if timeout is None else timeout, markup=False)
        if isinstance(self.app.screen, ModalScreen):
            self._held[kind] = toast
            return
        self._put(kind, toast)

    def release(self) -> None:
        held, self._held = self._held, {}
        for kind, toast in held.items():
            toast.raised_at = time.time()  # its time on screen starts now
            self._put(kind, toast)

    @property
    def held(self) -> list[str]:
        return [toast.message for toast in self._held.values()]

    def _put(self, kind: str, toast: Notification) -> None:
        # Textual's own collection, changed at once (not through a Notify message) so that a
        # burst told in one go leaves one toast; removed as Textual does when a toast is clicked
        notifications = self.app._notifications
        previous = self._shown.pop(kind, None)
        if previous is not None and previous in notifications:
            del notifications[previous]
        self._shown[kind] = toast
        notifications.add(toast)
        self.app._refresh_notifications()
