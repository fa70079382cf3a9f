"""DiscordBridge: a public thread per session under one control channel, buttons for
approvals, and pairing (a one-time code shown in the dashboard) on top of the allowlist.

Only this module's constructor reaches for discord.py, so ``import bridges`` stays light.
"""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable, Iterable, Mapping
from pathlib import Path

from bridges.base import ChatBridge
from bridges.handlers import Handlers
from bridges.pacing import Budget
from bridges.platform import ChatPlatform
from tether_tui.commands import CommandDef
from tether_tui.store import SessionStore

EXTRA_HINT = "DiscordBridge needs discord.py: pip install 'tether-tui[discord]'"


class DiscordBridge(ChatBridge):
    platform_name = "discord"
    # Discord allows 5 messages per 5 s in each channel (a thread is one) and 50 requests a
    # second in all; discord.py also waits out any 429 by itself.
    budget = Budget(per_minute=120, min_interval=0.3, reserve=10, window=61.0)

    def __init__(
        self,
        bot_token: str,
        channel_id: int | None = None,
        *,
        handlers: Handlers | None = None,
        require_pairing: bool = True,
        pairing_code: str | None = None,
        allowed_user_ids: Iterable[int] | None = None,
        commands: Mapping[str, CommandDef] | None = None,
        disabled_commands: set[str] | None = None,
        data_dir: str | Path | None = None,
        auto_approve_duration: int = 1800,
        never_auto_approve: list[str] | None = None,
        store: SessionStore | None = None,
        start_session: Callable[[str], Awaitable[str]] | None = None,
        api_url: str | None = None,
        gateway_url: str | None = None,
        guild_ready_timeout: float = 2.0,
    ) -> None:
        try:
            import discord  # noqa: F401
        except ImportError as exc:
            raise ImportError(EXTRA_HINT) from exc
        channel = channel_id or os.environ.get("TETHER_TUI_DISCORD_CHANNEL_ID")
        if not channel:
            raise ValueError("DiscordBridge needs the control channel's id (channel_id or TETHER_TUI_DISCORD_CHANNEL_ID)")
        self.channel_id = int(channel)
        super().__init__(
            handlers=handlers,
            allowed_user_ids=allowed_user_ids,
            commands=commands,
            disabled_commands=disabled_commands,
            data_dir=data_dir,
            auto_approve_duration=auto_approve_duration,
            never_auto_approve=never_auto_approve,
            store=store,
            start_session=start_session,
            scope=f"discord:{self.channel_id}",
            require_pairing=require_pairing,
            pairing_code=pairing_code,
        )
        self.bot_token = bot_token
        # a test double (or a proxy in front of Discord) can stand in for discord.com
        self.api_url = api_url or os.environ.get("TETHER_TUI_DISCORD_API_URL") or None
        self.gateway_url = gateway_url or os.environ.get("TETHER_TUI_DISCORD_GATEWAY_URL") or None
        self.guild_ready_timeout = guild_ready_timeout

    def __repr__(self) -> str:
        return f"DiscordBridge(channel_id={self.channel_id})"

    def _make_platform(self) -> ChatPlatform:
        from bridges.discord.platform import DiscordPlatform

        return DiscordPlatform(
            self.bot_token, self.channel_id, api_url=self.api_url, gateway_url=self.gateway_url,
            inbound=lambda: self.inbound, on_health=self._reachable, guild_ready_timeout=self.guild_ready_timeout,
        )
