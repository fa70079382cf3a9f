from bridges.telegram.bridge import TelegramBridge

__all__ = ["TelegramBridge"]
