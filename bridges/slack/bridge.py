"""SlackBridge: Socket Mode (no public URL needed), a parent message per session in one channel
and a thread under it, Block Kit buttons for approvals.

Only this module's constructor reaches for slack-bolt, so ``import bridges`` stays light.
"""

from __future__ import annotations

from typing import Any, Unpack

from bridges.base import BridgeOptions, ChatBridge, from_env, require_library
from bridges.handlers import Handlers
from bridges.pacing import Budget
from bridges.platform import ChatPlatform
from tether_tui.config import SlackSettings
from tether_tui.platforms import platform

EXTRA_HINT = "SlackBridge needs slack-bolt: pip install 'tether-tui[slack]'"


class SlackBridge(ChatBridge):
    platform_name = "slack"
    # chat.postMessage: about 1 a second per channel; chat.update: 50 a minute (Tier 3). One
    # budget for both keeps each under its limit.
    budget = Budget(per_minute=45, min_interval=1.05, reserve=6, window=61.0)

    @classmethod
    def from_settings(cls, settings: SlackSettings, **options: Any) -> SlackBridge:
        """The bridge the config's ``[slack]`` section describes (``options``: the rest)."""
        return cls(settings.bot_token, settings.channel_id, app_token=settings.app_token, **options)

    def __init__(
        self,
        bot_token: str,
        channel_id: str = "",
        *,
        app_token: str,
        handlers: Handlers | None = None,
        api_url: str | None = None,
        slash_command: str = "/tether",
        **options: Unpack[BridgeOptions],
    ) -> None:
        for library in platform("slack").libraries:
            require_library(library, EXTRA_HINT)
        super().__init__(scope=f"slack:{channel_id}", handlers=handlers, **options)
        self.bot_token = bot_token
        self.app_token = app_token
        self.channel_id = channel_id
        # a test double (or a proxy in front of Slack) can stand in for slack.com/api/
        self.api_url = from_env(api_url, "TETHER_TUI_SLACK_API_URL")
        self.slash_command = slash_command

    def __repr__(self) -> str:
        return f"SlackBridge(channel_id={self.channel_id!r})"

    def _make_platform(self) -> ChatPlatform:
        from bridges.slack.platform import SlackPlatform

        return SlackPlatform(
            self.bot_token,
            self.app_token,
            self.channel_id,
            api_url=self.api_url,
            slash_command=self.slash_command,
            inbound=lambda: self.inbound,
        )
