"""The floor for bench/startup.py: a minimal Textual app (Header, DataTable, RichLog, Footer) that
exits after its first frame, headless. Nothing starts faster with Textual on this machine."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.widgets import DataTable, Footer, Header, RichLog


class FloorApp(App[None]):
    def compose(self) -> ComposeResult:
        yield Header()
        yield DataTable()
        yield RichLog()
        yield Footer()

    def on_ready(self) -> None:
        self.exit()


if __name__ == "__main__":
    FloorApp().run(headless=True)
