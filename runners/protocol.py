"""The contract between tether-tui and an agent back end."""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable


class RunnerUnavailableError(RuntimeError):
    """The runner cannot work here (its CLI is not installed, say); the message says why."""


@runtime_checkable
class RunnerEvents(Protocol):
    """What a runner reports. tether-tui's session store implements it.

    ``on_permission_request`` returns once the request is decided (by a person on any surface,
    an auto-approve rule, or expiry) and returns the decision, which has ``.allowed`` and
    ``.reason``.
    """

    async def on_output(self, session_id: str, stream: str, text: str, *, kind: str = "final", is_final: bool | None = None) -> None: ...

    async def on_error(self, session_id: str, code: str, message: str) -> None: ...

    async def on_exit(self, session_id: str, exit_code: int | None) -> None: ...

    async def on_awaiting_input(self, session_id: str) -> None: ...

    async def on_metadata(self, session_id: str, key: str, value: Any, raw: Any) -> None: ...

    async def on_heartbeat(self, session_id: str, elapsed_s: float, done: bool) -> None: ...

    async def on_header(
        self,
        session_id: str,
        *,
        title: str,
        model: str | None = None,
        provider: str | None = None,
        sandbox: str | None = None,
        approval: str | None = None,
        thread_id: str | None = None,
    ) -> None: ...

    async def on_permission_request(
        self,
        session_id: str,
        request_id: str,
        tool_name: str,
        tool_input: dict[str, Any],
        suggestions: list[Any] | None = None,
    ) -> Any: ...

    async def on_permission_resolved(
        self, session_id: str, request_id: str, resolved_by: str, allowed: bool, message: str | None = None
    ) -> None: ...


@runtime_checkable
class Runner(Protocol):
    """An agent back end. One runner may drive several sessions.

    ``approval_choice``: 0 ask for every tool, 1 accept file edits, 2 bypass (never ask).
    """

    runner_type: str

    async def start(self, session_id: str, prompt: str, approval_choice: int) -> None: ...

    async def send_input(self, session_id: str, text: str) -> None: ...

    async def stop(self, session_id: str) -> int | None: ...

    def update_permission_mode(self, session_id: str, approval_choice: int) -> None: ...
