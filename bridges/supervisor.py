"""Runs the chat bridges the config asks for, attached to the dashboard's store, and follows
config edits: a bridge switched on starts, one switched off (or given a new token) stops, and a
changed allowlist applies at once."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from bridges.base import ChatBridge
from tether_tui.commands import CommandRegistry
from tether_tui.config import Config, TelegramSettings
from tether_tui.store import BridgeHealth, SessionStore

log = logging.getLogger(__name__)


class BridgeSupervisor:
    def __init__(
        self,
        store: SessionStore,
        commands: CommandRegistry,
        *,
        start_session: Callable[[str], Awaitable[str]] | None = None,
        telegram_api_url: str | None = None,
    ) -> None:
        self.store = store
        self.commands = commands
        self.start_session = start_session
        self.telegram_api_url = telegram_api_url
        self.bridges: dict[str, ChatBridge] = {}
        self._keys: dict[str, tuple[object, ...]] = {}
        self._starting: dict[str, asyncio.Task[None]] = {}

    async def apply(self, config: Config) -> None:
        await self._telegram(config.telegram, config.approvals.default_duration_minutes)

    async def _telegram(self, settings: TelegramSettings, minutes: int) -> None:
        name = "telegram"
        wanted = settings.configured and settings.enabled
        key = (settings.token, settings.forum_group_id)
        running = self.bridges.get(name)
        if running is not None and (not wanted or self._keys.get(name) != key):
            await self._stop(name)
            running = None
        if not wanted:
            return
        allowed = {str(user) for user in settings.allowed_user_ids}
        if running is not None:
            running.allowed_users.clear()
            running.allowed_users.update(allowed)  # the inbound side holds this very set
            running.timer_minutes = minutes
            return
        try:
            from bridges.telegram import TelegramBridge

            bridge = TelegramBridge(
                settings.token, settings.forum_group_id,
                allowed_user_ids=settings.allowed_user_ids,
                commands=self.commands.custom, disabled_commands=set(self.commands.disabled),
                auto_approve_duration=minutes * 60, store=self.store, start_session=self.start_session,
                base_url=self.telegram_api_url,
            )
        except ImportError as exc:
            self.store.set_bridge_health(name, BridgeHealth.FAILING, str(exc))
            return
        self.bridges[name] = bridge
        self._keys[name] = key
        self._starting[name] = asyncio.create_task(self._start(name, bridge))

    async def _start(self, name: str, bridge: ChatBridge) -> None:
        try:
            await bridge.start()
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.exception("%s bridge could not start", name)
            self.store.set_bridge_health(name, BridgeHealth.FAILING, str(exc))

    async def _stop(self, name: str) -> None:
        task = self._starting.pop(name, None)
        if task is not None and not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        bridge = self.bridges.pop(name, None)
        self._keys.pop(name, None)
        if bridge is not None:
            await bridge.stop()

    async def stop_all(self) -> None:
        for name in list(self.bridges):
            await self._stop(name)
