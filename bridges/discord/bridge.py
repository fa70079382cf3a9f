"""DiscordBridge: a public thread per session under one control channel, buttons for
approvals, and pairing (a one-time code shown in the dashboard) on top of the allowlist.

Only this module's constructor reaches for discord.py, so ``import bridges`` stays light.
"""

from __future__ import annotations

from typing import Any, Unpack

from bridges.base import BridgeOptions, ChatBridge, from_env, require_library
from bridges.handlers import Handlers
from bridges.pacing import Budget
from bridges.platform import ChatPlatform
from tether_tui.config import DiscordSettings
from tether_tui.platforms import platform

EXTRA_HINT = "DiscordBridge needs discord.py: pip install 'tether-tui[discord]'"


class DiscordBridge(ChatBridge):
    platform_name = "discord"
    # Discord allows 5 messages per 5 s in each channel (a thread is one) and 50 requests a
    # second in all; discord.py also waits out any 429 by itself.
    budget = Budget(per_minute=120, min_interval=0.3, reserve=10, window=61.0)

    @classmethod
    def from_settings(cls, settings: DiscordSettings, **options: Any) -> DiscordBridge:
        """The bridge the config's ``[discord]`` section describes (``options``: the rest)."""
        return cls(settings.bot_token, settings.channel_id, **options)

    def __init__(
        self,
        bot_token: str,
        channel_id: int | None = None,
        *,
        handlers: Handlers | None = None,
        api_url: str | None = None,
        gateway_url: str | None = None,
        guild_ready_timeout: float = 2.0,
        **options: Unpack[BridgeOptions],
    ) -> None:
        for library in platform("discord").libraries:
            require_library(library, EXTRA_HINT)
        # no channel yet: the first !pair with the right code in a server channel makes it this bridge's
        self.channel_id = int(channel_id or from_env(None, "TETHER_TUI_DISCORD_CHANNEL_ID") or 0)
        options.setdefault("require_pairing", True)  # Discord has always paired by default
        super().__init__(scope=f"discord:{self.channel_id or ''}", handlers=handlers, **options)
        self.bot_token = bot_token
        # a test double (or a proxy in front of Discord) can stand in for discord.com
        self.api_url = from_env(api_url, "TETHER_TUI_DISCORD_API_URL")
        self.gateway_url = from_env(gateway_url, "TETHER_TUI_DISCORD_GATEWAY_URL")
        self.guild_ready_timeout = guild_ready_timeout

    def __repr__(self) -> str:
        return f"DiscordBridge(channel_id={self.channel_id})"

    def _make_platform(self) -> ChatPlatform:
        from bridges.discord.platform import DiscordPlatform

        return DiscordPlatform(
            self.bot_token,
            self.channel_id,
            api_url=self.api_url,
            gateway_url=self.gateway_url,
            inbound=lambda: self.inbound,
            on_health=self._reachable,
            guild_ready_timeout=self.guild_ready_timeout,
        )
