"""Auto-approve rules kept on disk (0600, written atomically), so "allow Edit here for 2 hours"
outlives a restart of the dashboard. Expiry is kept as wall-clock time."""

from __future__ import annotations

import json
import logging
from datetime import datetime
from pathlib import Path
from typing import Any

from tether_tui.models import Rule, RuleScope, Via
from tether_tui.paths import write_private_atomic

log = logging.getLogger(__name__)

FORMAT = 1


def rule_to_json(rule: Rule) -> dict[str, Any]:
    return {
        "id": rule.id,
        "scope": rule.scope.value,
        "created_at": rule.created_at.isoformat(),
        "expires_at": rule.expires_at.isoformat(),
        "created_by": rule.created_by,
        "created_via": rule.created_via.value,
        "session_id": rule.session_id,
        "tool_name": rule.tool_name,
        "command_prefix": rule.command_prefix,
        "command_exact": rule.command_exact,
        "directory": rule.directory,
        "host": rule.host,
    }


def rule_from_json(data: dict[str, Any], expires_mono: float) -> Rule:
    """A rule read back; raises (KeyError, ValueError, TypeError) for a record that is not one."""
    optional = {key: data.get(key) for key in ("session_id", "tool_name", "command_prefix", "directory", "host")}
    for key, value in optional.items():
        if value is not None and not isinstance(value, str):
            raise TypeError(f"{key} is not text")
    return Rule(
        id=str(data["id"]),
        scope=RuleScope(data["scope"]),
        created_at=datetime.fromisoformat(data["created_at"]),
        expires_at=datetime.fromisoformat(data["expires_at"]),
        expires_mono=expires_mono,
        created_by=str(data["created_by"]),
        created_via=Via(data["created_via"]),
        command_exact=bool(data.get("command_exact", False)),
        **optional,
    )


class RuleFile:
    def __init__(self, path: Path) -> None:
        self.path = path

    def save(self, rules: list[Rule]) -> None:
        payload = {"format": FORMAT, "rules": [rule_to_json(rule) for rule in rules]}
        try:
            write_private_atomic(self.path, json.dumps(payload, indent=2, ensure_ascii=False) + "\n")
        except OSError:
            log.exception("could not keep the auto-approve rules in %s", self.path)

    def load(self) -> list[dict[str, Any]]:
        """The stored records (a file that cannot be read is reported and counts as none: a
        rule that cannot be read is never applied)."""
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return []
        except (OSError, ValueError) as exc:
            log.error("auto-approve rules in %s cannot be read (%s); none restored", self.path, exc)
            return []
        records = data.get("rules") if isinstance(data, dict) else None
        return [r for r in records if isinstance(r, dict)] if isinstance(records, list) else []
