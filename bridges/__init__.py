"""Chat bridges (Telegram, Slack, Discord) on a shared base.

``from bridges import TelegramBridge, SlackBridge, DiscordBridge, Handlers, CommandDef`` loads no
chat library; a platform's library is imported when its bridge is constructed (an ImportError
then names the extra). Each name is imported at its first use, so that importing one part of
the package (``bridges.supervisor``) costs no bridge that is not configured.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bridges.discord import DiscordBridge
    from bridges.handlers import Handlers
    from bridges.slack import SlackBridge
    from bridges.telegram import TelegramBridge
    from tether_tui.commands import CommandDef

__all__ = ["CommandDef", "DiscordBridge", "Handlers", "SlackBridge", "TelegramBridge"]

_WHERE = {
    "CommandDef": "tether_tui.commands",
    "DiscordBridge": "bridges.discord",
    "Handlers": "bridges.handlers",
    "SlackBridge": "bridges.slack",
    "TelegramBridge": "bridges.telegram",
}


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module 'bridges' has no attribute {name!r}")
    value = getattr(importlib.import_module(_WHERE[name]), name)
    globals()[name] = value
    return value
