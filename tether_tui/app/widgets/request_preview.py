"""The request that ``a`` and ``d`` decide, in full: tool, session, age and the exact command or
path, so what is approved is what was read (the queue's columns cut long commands)."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from tether_tui.app.format import age
from tether_tui.models import ApprovalRequest
from tether_tui.printable import printable
from tether_tui.toolinput import shell_command, short_path, target_path

KEYS_HINT = "a approve · d deny · D deny with reason · t allow for… · enter details"


def request_text(request: ApprovalRequest) -> str:
    """The whole of what the request would do, on as many lines as it takes."""
    command = shell_command(request.tool_name, request.tool_input)
    if command is not None:
        return f"$ {printable(command)}"
    path = target_path(request.tool_input)
    if path is not None:
        return short_path(path)
    return request.summary


class RequestPreview(Static):
    """Shows the selected session's highlighted request, or where the next one waits."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__("", **kwargs)  # type: ignore[arg-type]
        self.request_id: str | None = None

    def show_request(self, request: ApprovalRequest, session_title: str, now_mono: float, *, arming: float = 0.0) -> None:
        """``arming``: seconds before the keys may decide it (shown instead of the keys)."""
        self.request_id = request.id
        text = Text.assemble(
            ("◆ ", "bold yellow"),
            (request.tool_name, "bold"),
            f" · {session_title} · waiting {age(now_mono - request.created_mono)}\n",
        )
        text.append(request_text(request))
        if arming > 0:
            text.append(f"\nread it first: the keys act in {arming:.1f} s", style="bold yellow")
        else:
            text.append(f"\n{KEYS_HINT}", style="dim")
        self.update(text)
        self.set_class(True, "-request")
        self.display = True

    def show_hint(self, hint: str | None) -> None:
        self.request_id = None
        self.set_class(False, "-request")
        if hint is None:
            self.display = False
            return
        self.update(Text(hint, style="dim"))
        self.display = True
