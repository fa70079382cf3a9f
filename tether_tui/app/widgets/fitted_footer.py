"""A footer that shows only the keys that fit whole, and no letter keys while a text field has the
focus (there a letter is typed, and `/` starts a command)."""

from __future__ import annotations

from rich.cells import cell_len
from textual import events
from textual.widgets import Footer, Input
from textual.widgets._footer import FooterKey


def _is_typed(key: FooterKey) -> bool:
    """A key that a focused text field takes as text."""
    return len(key.key_display) == 1 and key.key_display.isprintable()


class FittedFooter(Footer):
    """Keys are shown in the order of the bindings, which is their order of importance: the ones
    that do not fit whole before the command palette key are left out, never cut."""

    def on_mount(self) -> None:
        super().on_mount()
        self.call_after_refresh(self.fit)

    def on_resize(self, event: events.Resize) -> None:
        self.fit()

    async def recompose(self) -> None:
        await super().recompose()
        self.fit()

    def fit(self) -> None:
        if not self.is_attached:
            return
        keys = [key for key in self.query(FooterKey) if not key.has_class("-command-palette")]
        palette = self.query(FooterKey).filter(".-command-palette")
        room = self.size.width - sum(cell_len(key.render().plain) + key.styles.gutter.width + key.styles.margin.width for key in palette)
        typing = isinstance(self.screen.focused, Input)
        used, full = 0, False
        for key in keys:
            if typing and _is_typed(key):
                key.display = False
                continue
            width = cell_len(key.render().plain) + key.styles.gutter.width + key.styles.margin.width
            full = full or used + width > room  # nothing after a key left out, to keep the order
            key.display = not full
            used += 0 if full else width
