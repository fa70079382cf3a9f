"""TelegramBridge: a forum topic per session in one group, inline buttons for approvals.

Only this module's constructor reaches for python-telegram-bot, so ``import bridges`` stays light.
"""

from __future__ import annotations

from typing import Any, Unpack

from bridges.base import BridgeOptions, ChatBridge, from_env, require_library
from bridges.handlers import Handlers
from bridges.pacing import Budget
from bridges.platform import ChatPlatform
from tether_tui.config import TelegramSettings
from tether_tui.platforms import platform

EXTRA_HINT = "TelegramBridge needs python-telegram-bot: pip install 'tether-tui[telegram]'"


class TelegramBridge(ChatBridge):
    platform_name = "telegram"
    chat_attribute = "forum_group_id"
    # Telegram allows about 20 messages a minute to a group and 1 a second to a chat; edits count.
    budget = Budget(per_minute=20, min_interval=1.1, reserve=4, window=61.0)

    @classmethod
    def from_settings(cls, settings: TelegramSettings, **options: Any) -> TelegramBridge:
        """The bridge the config's ``[telegram]`` section describes (``options``: the rest)."""
        return cls(settings.token, settings.forum_group_id, **options)

    def __init__(
        self,
        token: str,
        forum_group_id: int = 0,
        handlers: Handlers | None = None,
        *,
        base_url: str | None = None,
        base_file_url: str | None = None,
        poll_timeout: float = 30.0,
        **options: Unpack[BridgeOptions],
    ) -> None:
        for library in platform("telegram").libraries:
            require_library(library, EXTRA_HINT)
        # no group yet: the first /pair with the right code in a forum group makes it this bridge's
        super().__init__(scope=f"telegram:{forum_group_id or ''}", handlers=handlers, **options)
        self.token = token
        self.forum_group_id = int(forum_group_id)
        # a self-hosted Bot API server (or a test double) can stand in for api.telegram.org
        self.base_url = from_env(base_url, "TETHER_TUI_TELEGRAM_API_URL")
        self.base_file_url = from_env(base_file_url, "TETHER_TUI_TELEGRAM_FILE_URL")
        self.poll_timeout = poll_timeout

    def __repr__(self) -> str:
        return f"TelegramBridge(forum_group_id={self.forum_group_id})"

    def _make_platform(self) -> ChatPlatform:
        from bridges.telegram.platform import TelegramPlatform

        return TelegramPlatform(
            self.token,
            self.forum_group_id,
            base_url=self.base_url,
            base_file_url=self.base_file_url,
            poll_timeout=self.poll_timeout,
            inbound=lambda: self.inbound,
            on_halt=self.halt,
        )
