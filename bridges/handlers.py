"""Callbacks a library user gives a bridge. Every field is optional; an unset one ignores the event."""

from __future__ import annotations

import inspect
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

log = logging.getLogger(__name__)


@dataclass
class Handlers:
    on_input: Callable[..., Awaitable[None]] | None = None
    """``on_input(thread_id, text, username)``: a person wrote in a thread."""
    on_approval_response: Callable[..., Awaitable[None]] | None = None
    """``on_approval_response(thread_id, request_id, approved, reason=None, timer=None, username=None)``."""
    on_command: Callable[..., Awaitable[str | None]] | None = None
    """``on_command(thread_id, command, args) -> str | None``: an unknown command."""
    on_status_request: Callable[..., Awaitable[str]] | None = None
    on_stop_request: Callable[..., Awaitable[str | None]] | None = None
    on_usage_request: Callable[..., Awaitable[str | None]] | None = None

    async def call(self, name: str, **kwargs: Any) -> Any:
        """Call handler ``name`` with keyword arguments, passing only those it accepts (unless
        it takes ``**kwargs``). Returns None when the handler is unset."""
        handler = getattr(self, name)
        if handler is None:
            return None
        parameters = inspect.signature(handler).parameters.values()
        if not any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters):
            accepted = {p.name for p in parameters}
            kwargs = {k: v for k, v in kwargs.items() if k in accepted}
        result = handler(**kwargs)
        if inspect.isawaitable(result):
            result = await result
        return result
