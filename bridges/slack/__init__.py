from bridges.slack.bridge import SlackBridge

__all__ = ["SlackBridge"]
