"""The Textual dashboard. Importing this package imports Textual."""

from tether_tui.app.app import TetherApp

__all__ = ["TetherApp"]
