"""Chat bridges (Telegram, Slack, Discord) on a shared base.

``from bridges import TelegramBridge, SlackBridge, DiscordBridge, Handlers, CommandDef`` loads no
chat library; a platform's library is imported when its bridge is constructed (an ImportError
then names the extra).
"""

from bridges.discord import DiscordBridge
from bridges.handlers import Handlers
from bridges.slack import SlackBridge
from bridges.telegram import TelegramBridge
from tether_tui.commands import CommandDef

__all__ = ["CommandDef", "DiscordBridge", "Handlers", "SlackBridge", "TelegramBridge"]
