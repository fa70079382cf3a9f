"""SlackBridge: Socket Mode (no public URL needed), a parent message per session in one channel
and a thread under it, Block Kit buttons for approvals.

Only this module's constructor reaches for slack-bolt, so ``import bridges`` stays light.
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

EXTRA_HINT = "SlackBridge needs slack-bolt: pip install 'tether-tui[slack]'"


class SlackBridge(ChatBridge):
    platform_name = "slack"
    # chat.postMessage: about 1 a second per channel; chat.update: 50 a minute (Tier 3). One
    # budget for both keeps each under its limit.
    budget = Budget(per_minute=45, min_interval=1.05, reserve=6, window=61.0)

    def __init__(
        self,
        bot_token: str,
        channel_id: str,
        *,
        app_token: str,
        handlers: Handlers | None = None,
        allowed_user_ids: Iterable[str] = (),
        commands: Mapping[str, CommandDef] | None = None,
        disabled_commands: set[str] | None = None,
        data_dir: str | Path | None = None,
        auto_approve_duration: int = 1800,
        never_auto_approve: list[str] | None = None,
        store: SessionStore | None = None,
        start_session: Callable[[str], Awaitable[str]] | None = None,
        api_url: str | None = None,
        slash_command: str = "/tether",
    ) -> None:
        try:
            import slack_bolt  # noqa: F401
            import slackify_markdown  # noqa: F401
        except ImportError as exc:
            raise ImportError(EXTRA_HINT) from exc
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
            scope=f"slack:{channel_id}",
        )
        self.bot_token = bot_token
        self.app_token = app_token
        self.channel_id = channel_id
        # a test double (or a proxy in front of Slack) can stand in for slack.com/api/
        self.api_url = api_url or os.environ.get("TETHER_TUI_SLACK_API_URL") or None
        self.slash_command = slash_command

    def __repr__(self) -> str:
        return f"SlackBridge(channel_id={self.channel_id!r})"

    def _make_platform(self) -> ChatPlatform:
        from bridges.slack.platform import SlackPlatform

        return SlackPlatform(
            self.bot_token, self.app_token, self.channel_id,
            api_url=self.api_url, slash_command=self.slash_command, inbound=lambda: self.inbound,
        )
