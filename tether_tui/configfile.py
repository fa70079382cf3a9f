"""Changes tether-tui itself makes to the config file (a chat bound by pairing, the tokens
typed into ``tether-tui setup``): tomlkit keeps the user's comments, order and layout, nothing
is written that would not load, and the file stays readable by its owner only."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import tomlkit
from tomlkit.exceptions import TOMLKitError
from tomlkit.items import InlineTable, Table

from tether_tui.config import ConfigError, parse_config, read_config_text
from tether_tui.paths import write_private_atomic


def set_values(path: Path, section: str, values: Mapping[str, Any]) -> None:
    """Set ``[section] key = value`` for each of ``values``, creating the file or the table."""
    text = read_config_text(path) if path.exists() else ""
    try:
        document = tomlkit.parse(text)
    except TOMLKitError as exc:
        raise ConfigError(path, f"not changed, it does not parse: {exc}") from None
    table = document.get(section)
    if table is None:
        table = tomlkit.table()
        document[section] = table
    elif not isinstance(table, (Table, InlineTable)):
        raise ConfigError(path, f"not changed: {section} is not a table")
    for key, value in values.items():
        table[key] = value
    changed = tomlkit.dumps(document)
    parse_config(changed, path, env={})  # raises before anything is written
    write_private_atomic(path, changed)
