"""tether-tui: supervise AI coding agents from a terminal dashboard and from chat.

Importing this package loads neither Textual nor any chat library; the dashboard lives in
:mod:`tether_tui.app` and is imported only when it is started.
"""

__version__ = "0.1.0"
