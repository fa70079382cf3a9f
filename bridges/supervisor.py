"""Runs the chat bridges the config asks for, attached to the dashboard's store, and follows
config edits: a bridge switched on starts, one switched off (or given a new token) stops, and a
changed allowlist applies at once."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tether_tui.commands import CommandRegistry
from tether_tui.config import Config
from tether_tui.events import Notice
from tether_tui.platforms import ChatSettings, platform
from tether_tui.store import BridgeHealth, SessionStore

if TYPE_CHECKING:
    from bridges.base import ChatBridge
    from bridges.threads import ThreadStore

log = logging.getLogger(__name__)

BridgeSettings = ChatSettings


class BridgeSupervisor:
    def __init__(
        self,
        store: SessionStore,
        commands: CommandRegistry,
        *,
        start_session: Callable[[str], Awaitable[str]] | None = None,
        telegram_api_url: str | None = None,
        platform_options: Mapping[str, Mapping[str, Any]] | None = None,
        config_path: Path | None = None,
        thread_store: ThreadStore | None = None,
    ) -> None:
        """``config_path``: where a chat bound by pairing is written (none: kept until the
        bridge stops). ``platform_options``: more options for one platform's bridge, by name
        (``telegram_api_url`` is ``{"telegram": {"base_url": ...}}``). ``thread_store``: where
        the bridges keep which thread is which session's (the runtime's state file)."""
        self.store = store
        self.config_path = config_path
        self.commands = commands
        self.start_session = start_session
        self.thread_store = thread_store
        self.platform_options = {name: dict(options) for name, options in (platform_options or {}).items()}
        if telegram_api_url:
            self.platform_options.setdefault("telegram", {})["base_url"] = telegram_api_url
        self.bridges: dict[str, ChatBridge] = {}
        self._keys: dict[str, tuple[object, ...]] = {}
        self._starting: dict[str, asyncio.Task[None]] = {}

    async def apply(self, config: Config) -> None:
        minutes = config.approvals.default_duration_minutes
        for name, settings in config.bridge_settings().items():
            await self._apply(name, settings, minutes)

    async def _apply(self, name: str, settings: BridgeSettings, minutes: int) -> None:
        wanted = settings.configured and settings.enabled
        key = self._key(settings)
        running = self.bridges.get(name)
        if running is not None and (not wanted or self._keys.get(name) != key):
            await self._stop(name)
            running = None
        if not wanted:
            return
        if running is not None:
            running.set_allowed_users(settings.allowed_user_ids)
            running.timer_minutes = minutes
            return
        try:
            bridge = self._build(name, settings, minutes)
        except ImportError as exc:
            self.store.set_bridge_health(name, BridgeHealth.FAILING, str(exc))
            return
        self.bridges[name] = bridge
        self._keys[name] = key
        self._starting[name] = asyncio.create_task(self._start(name, bridge))

    @staticmethod
    def _key(settings: BridgeSettings, **changed: object) -> tuple[object, ...]:
        """What needs a new connection (``settings`` with ``changed`` values); the allowlist
        and the timer length apply in place."""
        values = {**asdict(settings), **changed}
        return tuple(value for field, value in values.items() if field not in ("allowed_user_ids", "enabled"))

    def _keeper(self, name: str, settings: BridgeSettings) -> Callable[[str], Awaitable[None]]:
        """What a bridge bound to a chat by pairing calls: the chat goes into the config file,
        and the reload that follows finds the bridge already as configured."""

        async def keep(chat: str) -> None:
            value: int | str = int(chat) if isinstance(getattr(settings, settings.chat_key), int) else chat
            self._keys[name] = self._key(settings, **{settings.chat_key: value})
            if self.config_path is None:
                return
            from tether_tui.configfile import set_values

            await asyncio.to_thread(set_values, self.config_path, name, {settings.chat_key: value})
            self.store.bus.publish(Notice(f"{platform(name).label}: bound to chat {chat}, kept in {self.config_path}"))

        return keep

    def _build(self, name: str, settings: BridgeSettings, minutes: int) -> ChatBridge:
        shared: dict[str, Any] = {
            "allowed_user_ids": settings.allowed_user_ids,
            "commands": self.commands.custom,
            "disabled_commands": set(self.commands.disabled),
            "auto_approve_duration": minutes * 60,
            "store": self.store,
            "start_session": self.start_session,
            "require_pairing": settings.require_pairing,
            "on_bound": self._keeper(name, settings),
            "thread_store": self.thread_store,
        }
        return platform(name).build(settings, **shared, **self.platform_options.get(name, {}))

    async def _start(self, name: str, bridge: ChatBridge) -> None:
        try:
            await bridge.start()
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.exception("%s bridge could not start", name)
            self.store.set_bridge_health(name, BridgeHealth.FAILING, bridge.masked(str(exc)))

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

    async def drain(self, seconds: float) -> None:
        """Wait (at most ``seconds``) until every bridge has shown the decisions published so
        far: what the runtime does before it stops them."""
        await asyncio.gather(*(bridge.mirror.drain(seconds) for bridge in self.bridges.values() if bridge.mirror is not None))

    async def stop_all(self) -> None:
        await asyncio.gather(*(self._stop(name) for name in list(self.bridges)))
