from bridges.discord.bridge import DiscordBridge

__all__ = ["DiscordBridge"]
