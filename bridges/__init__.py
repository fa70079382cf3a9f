"""Chat bridges (Telegram, Slack, Discord) on a shared base.

``from bridges import Handlers, CommandDef`` loads no chat library; each platform's library is
imported only when its bridge is constructed.
"""

from bridges.handlers import Handlers
from tether_tui.commands import CommandDef

__all__ = ["CommandDef", "Handlers"]
