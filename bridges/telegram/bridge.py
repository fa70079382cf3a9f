"""TelegramBridge: a forum topic per session in one group, inline buttons for approvals.

Only this module's constructor reaches for python-telegram-bot, so ``import bridges`` stays light.
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

EXTRA_HINT = "TelegramBridge needs python-telegram-bot: pip install 'tether-tui[telegram]'"


class TelegramBridge(ChatBridge):
    platform_name = "telegram"
    # Telegram allows about 20 messages a minute to a group and 1 a second to a chat; edits count.
    budget = Budget(per_minute=20, min_interval=1.1, reserve=4, window=61.0)

    def __init__(
        self,
        token: str,
        forum_group_id: int,
        handlers: Handlers | None = None,
        *,
        allowed_user_ids: Iterable[int] = (),
        commands: Mapping[str, CommandDef] | None = None,
        disabled_commands: set[str] | None = None,
        data_dir: str | Path | None = None,
        auto_approve_duration: int = 1800,
        never_auto_approve: list[str] | None = None,
        store: SessionStore | None = None,
        start_session: Callable[[str], Awaitable[str]] | None = None,
        base_url: str | None = None,
        base_file_url: str | None = None,
        poll_timeout: float = 30.0,
    ) -> None:
        try:
            import telegram  # noqa: F401
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
            scope=f"telegram:{forum_group_id}",
        )
        self.token = token
        self.forum_group_id = int(forum_group_id)
        # a self-hosted Bot API server (or a test double) can stand in for api.telegram.org
        self.base_url = base_url or os.environ.get("TETHER_TUI_TELEGRAM_API_URL") or None
        self.base_file_url = base_file_url or os.environ.get("TETHER_TUI_TELEGRAM_FILE_URL") or None
        self.poll_timeout = poll_timeout

    def __repr__(self) -> str:
        return f"TelegramBridge(forum_group_id={self.forum_group_id})"

    def _make_platform(self) -> ChatPlatform:
        from bridges.telegram.platform import TelegramPlatform

        return TelegramPlatform(
            self.token, self.forum_group_id,
            base_url=self.base_url, base_file_url=self.base_file_url, poll_timeout=self.poll_timeout,
            inbound=lambda: self.inbound,
        )
