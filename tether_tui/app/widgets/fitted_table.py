"""A row-cursor DataTable whose text columns share the width it has, so nothing scrolls sideways."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from textual import events
from textual.binding import Binding
from textual.message import Message
from textual.widgets import DataTable


class FittedTable(DataTable[object]):
    """Columns are ``(key, label, width)``: an int is a fixed width, a float a share of what is
    left. Rows are kept here too, so the columns can be rebuilt when the width changes.

    A row the *person* moves to (keys, mouse) is announced with :class:`Chosen`; rows that move
    under the cursor because rows came and went are not, so nothing changes what the person
    looks at behind their back."""

    COLUMNS: ClassVar[Sequence[tuple[str, str, int | float]]] = ()
    HIDE_BELOW: ClassVar[dict[str, int]] = {}
    """Columns left out when the table is narrower than this many cells."""
    MIN_SHARED = 6
    BINDINGS = [
        Binding("j", "cursor_down", "Down", show=False),
        Binding("k", "cursor_up", "Up", show=False),
    ]

    class Chosen(Message):
        """The person moved the cursor to row ``key``."""

        def __init__(self, table: FittedTable, key: str | None) -> None:
            super().__init__()
            self.table = table
            self.key = key

        @property
        def control(self) -> FittedTable:
            return self.table

    def _announce(self) -> None:
        self.post_message(self.Chosen(self, self.selected_id))

    def action_cursor_up(self) -> None:
        super().action_cursor_up()
        self._announce()

    def action_cursor_down(self) -> None:
        super().action_cursor_down()
        self._announce()

    def action_page_up(self) -> None:
        super().action_page_up()
        self._announce()

    def action_page_down(self) -> None:
        super().action_page_down()
        self._announce()

    def action_scroll_top(self) -> None:
        super().action_scroll_top()
        self._announce()

    def action_scroll_bottom(self) -> None:
        super().action_scroll_bottom()
        self._announce()

    def action_scroll_home(self) -> None:
        super().action_scroll_home()
        self._announce()

    def action_scroll_end(self) -> None:
        super().action_scroll_end()
        self._announce()

    async def _on_click(self, event: events.Click) -> None:
        await super()._on_click(event)
        self.call_after_refresh(self._announce)

    DEFAULT_CSS = """
    FittedTable { overflow-x: hidden; }
    """

    def __init__(self, **kwargs: object) -> None:
        super().__init__(cursor_type="row", **kwargs)  # type: ignore[arg-type]
        self._row_cells: dict[str, tuple[object, ...]] = {}
        self._built_width = -1
        self._shown: list[str] = [key for key, _, _ in self.COLUMNS]

    def on_mount(self) -> None:
        self._build(self.size.width)

    def on_resize(self, event: events.Resize) -> None:
        if event.size.width != self._built_width:
            self._build(event.size.width)

    def refit(self) -> None:
        """Columns fitted to the width the table has now (after a layout change that may not
        reach the table as a resize, such as leaving the maximized view)."""
        if self.size.width and self.size.width != self._built_width:
            self._build(self.size.width)

    def _columns(self, width: int) -> list[tuple[str, str, int | float]]:
        return [c for c in self.COLUMNS if width >= self.HIDE_BELOW.get(c[0], 0)]

    def _widths(self, columns: Sequence[tuple[str, str, int | float]], width: int) -> list[int]:
        padding = 2 * self.cell_padding
        fixed = sum(w for _, _, w in columns if isinstance(w, int)) + padding * len(columns)
        spare = max(0, width - fixed - 1)
        shares = sum(w for _, _, w in columns if isinstance(w, float)) or 1.0
        return [w if isinstance(w, int) else max(self.MIN_SHARED, int(spare * w / shares)) for _, _, w in columns]

    def _visible(self, cells: tuple[object, ...]) -> list[object]:
        shown = set(self._shown)
        return [cell for (key, _, _), cell in zip(self.COLUMNS, cells, strict=False) if key in shown]

    def _build(self, width: int) -> None:
        self._built_width = width
        selected = self.selected_id
        self.clear(columns=True)
        columns = self._columns(width)
        self._shown = [key for key, _, _ in columns]
        for (key, label, _), column_width in zip(columns, self._widths(columns, width), strict=False):
            self.add_column(label, key=key, width=column_width)
        for key, cells in self._row_cells.items():
            self.add_row(*self._visible(cells), key=key)
        if selected is not None and selected in self.rows:
            self.move_cursor(row=self.get_row_index(selected), animate=False)

    def put_row(self, key: str, cells: tuple[object, ...]) -> bool:
        """Add or update a row; True when it is new."""
        new = key not in self._row_cells
        self._row_cells[key] = cells
        if key not in self.rows:
            self.add_row(*self._visible(cells), key=key)
        else:
            for (column, _, _), value in zip(self.COLUMNS, cells, strict=False):
                if column in self._shown:
                    self.update_cell(key, column, value)
        return new

    def set_cell(self, key: str, column: str, value: object) -> None:
        index = [c for c, _, _ in self.COLUMNS].index(column)
        cells = list(self._row_cells[key])
        cells[index] = value
        self._row_cells[key] = tuple(cells)
        if key in self.rows and column in self._shown:
            self.update_cell(key, column, value)

    def drop_row(self, key: str) -> None:
        self._row_cells.pop(key, None)
        if key in self.rows:
            self.remove_row(key)

    def has_row(self, key: str) -> bool:
        return key in self._row_cells

    @property
    def row_keys(self) -> list[str]:
        return list(self._row_cells)

    @property
    def selected_id(self) -> str | None:
        if not self.row_count:
            return None
        row_key, _ = self.coordinate_to_cell_key(self.cursor_coordinate)
        return row_key.value

    def select(self, key: str) -> None:
        if key in self.rows:
            self.move_cursor(row=self.get_row_index(key))
