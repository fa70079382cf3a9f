"""The audit log: one JSON object per line, appended, flushed and fsynced for every decision."""

from __future__ import annotations

import json
import logging
import math
import os
from datetime import datetime
from pathlib import Path
from typing import Any

from tether_tui.models import ApprovalRequest, Decision, Rule
from tether_tui.paths import ensure_private_dir
from tether_tui.printable import utf8_json_line

log = logging.getLogger(__name__)


def _json_text(record: dict[str, Any]) -> str:
    """``record`` as one line of standard JSON: values JSON has no spelling for (NaN, infinity,
    objects) are written as text, so a record is never lost to what a request held."""
    try:
        return json.dumps(record, ensure_ascii=False, default=str, sort_keys=True, allow_nan=False)
    except ValueError:
        return json.dumps(_standard(record), ensure_ascii=False, default=str, sort_keys=True, allow_nan=False)


def _standard(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, dict):
        return {str(key): _standard(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_standard(item) for item in value]
    return value


class AuditLog:
    """Append-only JSON-lines file, mode 0600.

    A line cut short by a crash does not stop start-up: it is reported, skipped when reading,
    and the next record starts on a fresh line.
    """

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.corrupt_lines = 0
        self.records_written = 0
        self._fd: int | None = None

    def open(self) -> None:
        if self.path is None or self._fd is not None:
            return
        ensure_private_dir(self.path.parent)
        self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        os.fchmod(self._fd, 0o600)
        self._repair_tail()

    def _repair_tail(self) -> None:
        assert self.path is not None and self._fd is not None
        size = os.fstat(self._fd).st_size
        if size == 0:
            return
        with open(self.path, "rb") as handle:
            handle.seek(max(0, size - 1))
            last = handle.read(1)
        if last != b"\n":
            log.warning("audit log %s ends in a cut-off line; starting a new line", self.path)
            self.corrupt_lines += 1
            os.write(self._fd, b"\n")

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def append(self, record: dict[str, Any]) -> None:
        if self.path is None:
            return
        if self._fd is None:
            self.open()
        assert self._fd is not None
        line = utf8_json_line(_json_text(record)) + "\n"
        os.write(self._fd, line.encode("utf-8"))
        os.fsync(self._fd)
        self.records_written += 1

    def record_decision(self, request: ApprovalRequest, decision: Decision, session_title: str) -> None:
        self.append(
            {
                "ts": decision.at.isoformat(),
                "event": "decision",
                "request_id": request.id,
                "agent_request_id": request.agent_request_id,
                "session_id": request.session_id,
                "session": session_title,
                "directory": request.directory,
                "tool": request.tool_name,
                "summary": request.summary,
                "tool_input": request.tool_input,
                "outcome": decision.outcome.value,
                "by": decision.by,
                "via": decision.via.value,
                "reason": decision.reason,
                "rule_id": decision.rule_id,
                "requested_at": request.created_at.isoformat(),
            }
        )

    def record_rule(self, event: str, rule: Rule, at: datetime, by: str | None) -> None:
        self.append(
            {
                "ts": at.isoformat(),
                "event": event,
                "rule_id": rule.id,
                "scope": rule.scope.value,
                "session_id": rule.session_id,
                "tool": rule.tool_name,
                "command_prefix": rule.command_prefix,
                "command_exact": rule.command_exact,
                "directory": rule.directory,
                "host": rule.host,
                "expires_at": rule.expires_at.isoformat(),
                "by": by,
                "via": rule.created_via.value,
            }
        )

    def read(self) -> list[dict[str, Any]]:
        """All readable records; lines that do not parse are counted and skipped."""
        if self.path is None or not self.path.exists():
            return []
        records = []
        with open(self.path, encoding="utf-8", errors="replace") as handle:
            for line in handle:
                line = line.strip()
                if not line:
                    continue
                try:
                    records.append(json.loads(line))
                except json.JSONDecodeError:
                    self.corrupt_lines += 1
        return records
