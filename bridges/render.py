"""What the bridges say: approval messages, decisions, details, notices. Platform markup comes in
through :class:`bridges.markup.Markup`; the wording lives here once."""

from __future__ import annotations

from bridges.callbacks import CallbackCodec
from bridges.markup import Markup, chunk_lines
from bridges.platform import Buttons
from tether_tui.models import ApprovalRequest, Decision, Outcome, SessionState
from tether_tui.toolinput import pretty_input, short_path, unified_diff

SUMMARY_LIMIT = 3000
ICONS = {Outcome.ALLOW: "✅", Outcome.DENY: "❌", Outcome.DEFER: "↩️"}


def approval_text(markup: Markup, request: ApprovalRequest, session_title: str, decision: Decision | None = None) -> str:
    head = f"🔐 {markup.bold(request.tool_name[:100])} · {markup.escape(session_title[:200])}"
    folder = f"📁 {markup.escape(short_path(request.directory)[-300:] or '—')} · {request.created_at:%H:%M:%S}"
    outcome = f"{ICONS[decision.outcome]} {markup.escape(_cut(decision.describe(), DECIDED_LIMIT))}" if decision else ""
    # the summary gets what the other lines leave, measured after escaping (a decision may come later)
    room = min(SUMMARY_LIMIT, markup.limit - len(head) - len(folder) - DECIDED_LIMIT * 2 - 16)
    lines = [head, _fitted_pre(markup, request.summary, room), folder] + ([outcome] if outcome else [])
    return "\n".join(lines)


DECIDED_LIMIT = 300


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _fitted_pre(markup: Markup, text: str, room: int) -> str:
    """``markup.pre(text)``, the text cut until the block (escaping included) fits ``room``."""
    block = markup.pre(text)
    cut = len(text)
    while len(block) > room and cut > 0:
        cut = max(0, cut - max(1, len(block) - room))
        block = markup.pre(text[:cut] + "…")
    return block


def approval_buttons(codec: CallbackCodec, request: ApprovalRequest, minutes: int) -> Buttons:
    def button(label: str, action: str) -> tuple[str, str]:
        return label, codec.encode("ap", request.id, action)

    tool = request.tool_name if len(request.tool_name) <= 24 else request.tool_name[:23] + "…"
    rows: Buttons = [
        [button("✅ Allow", "y"), button("❌ Deny", "n")],
        [button("💬 Deny with reason", "r"), button("🔎 Details", "i")],
        [button(f"⏱ Allow {tool} {minutes} min", "t")],
        [button(f"⏱ Allow session {minutes} min", "s")],
    ]
    if request.directory:
        rows[-1].append(button(f"⏱ Allow folder {minutes} min", "f"))
    return rows


def details_messages(markup: Markup, request: ApprovalRequest) -> list[str]:
    """The full input (and the diff for edits), cut into messages that each stay valid."""
    head = f"🔎 {markup.bold(request.tool_name)} {markup.code(request.id)}"
    blocks: list[tuple[str, list[str]]] = []
    diff = unified_diff(request.tool_name, request.tool_input, request.directory)
    if diff:
        blocks.append(("Change", diff.splitlines()))
    blocks.append(("Input", pretty_input(request.tool_input).splitlines()))
    messages: list[str] = []
    budget = markup.limit - 200
    for title, lines in blocks:
        for index, chunk in enumerate(chunk_lines(lines, budget)):
            label = markup.bold(title if index == 0 else f"{title} (continued)")
            prefix = f"{head}\n{label}" if not messages else label
            messages.append(f"{prefix}\n{markup.pre(chr(10).join(chunk))}")
    return messages


STATE_NOTICES = {
    SessionState.WAITING_INPUT: "⌨️ waiting for input",
    SessionState.DISCONNECTED: "🔌 its machine is not reachable: waiting for it to come back",
    SessionState.STOPPED: "■ stopped",
    SessionState.ERROR: "✖️ error",
}


def state_notice(state: SessionState, *, exit_code: int | None, error: str | None) -> str:
    """A plain line for the session's output view."""
    text = STATE_NOTICES[state]
    if state is SessionState.STOPPED and exit_code not in (None, 0):
        text += f" (exit code {exit_code})"
    if state is SessionState.ERROR and error:
        text += f": {error[:500]}"
    return text
