"""Commands written as text: ``/status`` on Telegram, ``!status`` on Slack and Discord (whose
clients keep ``/`` for their own slash commands), ``/status@tether_bot`` in Telegram groups."""

from __future__ import annotations

import re

COMMAND = re.compile(r"^[!/](?P<name>[A-Za-z][\w-]{0,31})(?:@\w+)?(?:\s+(?P<args>.*))?$", re.DOTALL)


def parse_text_command(text: str) -> tuple[str, str] | None:
    """(name, args) when ``text`` is a command, else None."""
    match = COMMAND.match(text.strip())
    if match is None:
        return None
    return match.group("name").lower(), (match.group("args") or "").strip()
