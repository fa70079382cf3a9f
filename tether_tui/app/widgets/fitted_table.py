"""A row-cursor DataTable whose text columns share the width it has, so nothing scrolls sideways."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from textual import events
from textual.widgets import DataTable


class FittedTable(DataTable[object]):
    """Columns are ``(key, label, width)``: an int is a fixed width, a float a share of what is
    left. Rows are kept here too, so the columns can be rebuilt when the width changes."""

    COLUMNS: ClassVar[Sequence[tuple[str, str, int | float]]] = ()
    MIN_SHARED = 6

    DEFAULT_CSS = """
    FittedTable { overflow-x: hidden; }
    """

    def __init__(self, **kwargs: object) -> None:
        super().__init__(cursor_type="row", **kwargs)  # type: ignore[arg-type]
        self._row_cells: dict[str, tuple[object, ...]] = {}
        self._built_width = -1

    def on_mount(self) -> None:
        self._build(self.size.width)

    def on_resize(self, event: events.Resize) -> None:
        if event.size.width != self._built_width:
            self._build(event.size.width)

    def _widths(self, width: int) -> list[int]:
        padding = 2 * self.cell_padding
        fixed = sum(w for _, _, w in self.COLUMNS if isinstance(w, int)) + padding * len(self.COLUMNS)
        spare = max(0, width - fixed - 1)
        shares = sum(w for _, _, w in self.COLUMNS if isinstance(w, float)) or 1.0
        return [w if isinstance(w, int) else max(self.MIN_SHARED, int(spare * w / shares)) for _, _, w in self.COLUMNS]

    def _build(self, width: int) -> None:
        self._built_width = width
        selected = self.selected_id
        self.clear(columns=True)
        for (key, label, _), column_width in zip(self.COLUMNS, self._widths(width)):
            self.add_column(label, key=key, width=column_width)
        for key, cells in self._row_cells.items():
            self.add_row(*cells, key=key)
        if selected is not None and selected in self.rows:
            self.move_cursor(row=self.get_row_index(selected), animate=False)

    def put_row(self, key: str, cells: tuple[object, ...]) -> bool:
        """Add or update a row; True when it is new."""
        new = key not in self._row_cells
        self._row_cells[key] = cells
        if key not in self.rows:
            self.add_row(*cells, key=key)
        else:
            for (column, _, _), value in zip(self.COLUMNS, cells):
                self.update_cell(key, column, value)
        return new

    def set_cell(self, key: str, column: str, value: object) -> None:
        index = [c for c, _, _ in self.COLUMNS].index(column)
        cells = list(self._row_cells[key])
        cells[index] = value
        self._row_cells[key] = tuple(cells)
        if key in self.rows:
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
