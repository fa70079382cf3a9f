"""Button payloads that fit every platform's limit (Telegram: 64 bytes) whatever the ids.

A payload is ``<kind>:<token>:<action>``. The token is ``=<id>`` when the real id (a request
id, a rule id) fits, so a button keeps working after the bridge restarts for as long as what it
points at exists; a longer id gets a short random key kept in memory. A press whose target is
unknown (forged, or gone) is stale.
"""

from __future__ import annotations

import secrets
from collections import OrderedDict

MAX_BYTES = 64
KEPT = 5000


class CallbackCodec:
    def __init__(self) -> None:
        self._ids: OrderedDict[str, str] = OrderedDict()
        self._tokens: dict[str, str] = {}

    def encode(self, kind: str, target_id: str, action: str) -> str:
        direct = f"{kind}:={target_id}:{action}"
        if ":" not in target_id and len(direct.encode()) <= MAX_BYTES:
            return direct
        token = self._tokens.get(target_id)
        if token is None:
            token = secrets.token_urlsafe(6)
            self._tokens[target_id] = token
            self._ids[token] = target_id
            while len(self._ids) > KEPT:
                _old_token, old_id = self._ids.popitem(last=False)
                self._tokens.pop(old_id, None)
        data = f"{kind}:{token}:{action}"
        if len(data.encode()) > MAX_BYTES:
            raise ValueError(f"callback data too long: {data!r}")
        return data

    def decode(self, data: str) -> tuple[str, str, str] | None:
        """(kind, target id, action), or None for a stale or malformed payload."""
        parts = data.split(":")
        if len(parts) != 3:
            return None
        kind, token, action = parts
        target = token[1:] if token.startswith("=") else self._ids.get(token)
        return (kind, target, action) if target else None
