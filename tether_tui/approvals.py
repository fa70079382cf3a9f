"""The approval engine: requests resolved exactly once, auto-approve rules, expiry, batched notices.

Everything runs on one asyncio loop, so "first decision wins" needs no lock: :meth:`decide` is
synchronous, and the first call that finds the request pending settles it.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import secrets
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from tether_tui.audit import AuditLog
from tether_tui.bus import EventBus
from tether_tui.clock import Clock, SystemClock
from tether_tui.config import ApprovalSettings
from tether_tui.events import ApprovalDecided, ApprovalRequested, AutoApprovedBatch, RuleAdded, RuleRemoved
from tether_tui.models import ApprovalRequest, AutoApproval, Decision, Outcome, Rule, RuleScope, Session, Via
from tether_tui.printable import printable
from tether_tui.rulefile import RuleFile, rule_from_json
from tether_tui.rules import (
    CommandRule,
    RequestContext,
    command_rule_for,
    never_auto_approved,
    paths_on_remote,
    resolve_path,
    rule_matches,
    shell_understood,
)
from tether_tui.toolinput import shell_command, summarize

log = logging.getLogger(__name__)

DASHBOARD_STOPPED = "left to the agent: the dashboard stopped"
MAX_TOOL_NAME = 200
"""A tool's name is cut to this many characters."""

DECIDED_KEPT = 2000
"""Decided requests remembered, so a late button press can be told who decided first."""


_TIMER_LABELS = {
    "all": "this session",
    "dir": "this folder",
    "tool": "this tool",
    "prefix": "commands like this",
    "tool-everywhere": "this tool everywhere",
}


MAX_RULE_MINUTES = 7 * 24 * 60


def _summary(tool_name: str, tool_input: dict[str, Any]) -> str:
    try:
        return summarize(tool_name, tool_input)
    except Exception:
        log.exception("could not summarise a %s request", tool_name)
        return printable(f"{tool_name} (its input cannot be shown)", one_line=True)


def _check_minutes(minutes: float) -> None:
    if not (isinstance(minutes, (int, float)) and 0 < minutes <= MAX_RULE_MINUTES):
        raise ValueError(f"a rule lasts from 1 minute to {MAX_RULE_MINUTES // (24 * 60)} days, not {minutes!r}")


class UnknownRequestError(KeyError):
    """No request with that id (never existed, or decided so long ago it was forgotten)."""


@dataclass(frozen=True)
class DecideResult:
    accepted: bool
    """False when the request had already been decided: ``decision`` is then the first one."""
    decision: Decision
    request: ApprovalRequest


TimerChoice = str
"""What "allow for N minutes" covers: ``"all"`` (this session), ``"dir"`` (this folder),
``"tool"`` or a tool name (that tool in this session), ``"tool-everywhere"``, or ``"prefix"``
(shell commands that start like this one, in this session)."""


class ApprovalEngine:
    def __init__(
        self,
        *,
        bus: EventBus,
        audit: AuditLog,
        clock: Clock | None = None,
        settings: ApprovalSettings | None = None,
        session_lookup: Callable[[str], Session | None] = lambda _id: None,
        on_pending_changed: Callable[[str], None] = lambda _id: None,
        rule_file: RuleFile | None = None,
    ) -> None:
        self.bus = bus
        self.audit = audit
        self.clock = clock or SystemClock()
        self.settings = settings or ApprovalSettings()
        self._session_lookup = session_lookup
        self._on_pending_changed = on_pending_changed
        self._pending: dict[str, ApprovalRequest] = {}
        self._decided: OrderedDict[str, ApprovalRequest] = OrderedDict()
        self._rules: dict[str, Rule] = {}
        self._rule_file = rule_file
        self._batch: list[AutoApproval] = []
        self._batch_first = 0.0
        self._batch_last = 0.0

    # ----------------------------------------------------------------- requests
    def submit(
        self,
        session_id: str,
        tool_name: str,
        tool_input: dict[str, Any],
        *,
        request_id: str | None = None,
        suggestions: list[Any] | None = None,
        cwd: str | None = None,
    ) -> ApprovalRequest:
        """Register a request. A matching rule decides it at once; otherwise it waits for a
        person (or expiry). Await :meth:`ApprovalRequest.wait` for the decision.

        ``request_id`` is the agent's own id for the request. It never decides anything: a
        request that is still pending with the same id, session, tool and input is the agent
        asking again and gets that request back; anything else is a new request with an id of
        our own."""
        session = self._session_lookup(session_id)
        directory = cwd or (session.directory if session else None)
        tool_name = printable(tool_name, one_line=True)[:MAX_TOOL_NAME]  # a name is shown everywhere as it is
        if request_id is not None:
            retried = self._pending_retry(session_id, request_id, tool_name, tool_input, directory)
            if retried is not None:
                return retried
        now_mono = self.clock.monotonic()
        request = ApprovalRequest(
            id=f"req_{secrets.token_hex(8)}",
            session_id=session_id,
            tool_name=tool_name,
            tool_input=tool_input,
            summary=_summary(tool_name, tool_input),
            created_at=self.clock.now(),
            created_mono=now_mono,
            expires_mono=now_mono + self.settings.timeout_seconds,
            directory=directory,
            suggestions=suggestions,
            agent_request_id=request_id,
            host=session.host if session else None,
        )
        rule = self._judged_rule(request)
        self._pending[request.id] = request
        if rule is None or not self._auto_approve(request, rule):
            self.bus.publish(ApprovalRequested(request))
            self._pending_changed(session_id)
        return request

    def _judged_rule(self, request: ApprovalRequest) -> Rule | None:
        """The rule that lets ``request`` through, or None. A request that breaks the judging
        (a bug meeting odd input) asks a person: it never stops the engine."""
        try:
            return self._auto_rule(request)
        except Exception:
            log.exception("judging request %s failed; it asks", request.id)
            return None

    def _pending_changed(self, session_id: str) -> None:
        try:
            self._on_pending_changed(session_id)
        except Exception:
            log.exception("updating session %s after a request changed failed", session_id)

    def _pending_retry(
        self, session_id: str, agent_id: str, tool_name: str, tool_input: dict[str, Any], directory: str | None
    ) -> ApprovalRequest | None:
        for request in self._pending.values():
            if (
                request.agent_request_id == agent_id
                and request.session_id == session_id
                and request.tool_name == tool_name
                and request.tool_input == tool_input
                and request.directory == directory
            ):
                return request
        return None

    def find_by_agent_id(self, agent_request_id: str) -> ApprovalRequest | None:
        """The newest request the agent knows as ``agent_request_id`` (pending first, then decided)."""
        for request in self.pending()[::-1]:
            if request.agent_request_id == agent_request_id:
                return request
        for request in reversed(self._decided.values()):
            if request.agent_request_id == agent_request_id:
                return request
        return None

    def find_pending(self, session_id: str, agent_request_id: str) -> ApprovalRequest | None:
        """The pending request of ``session_id`` that the agent knows as ``agent_request_id``."""
        for request in self._pending.values():
            if request.session_id == session_id and agent_request_id in (request.agent_request_id, request.id):
                return request
        return None

    def get(self, request_id: str) -> ApprovalRequest:
        request = self._pending.get(request_id) or self._decided.get(request_id)
        if request is None:
            raise UnknownRequestError(request_id)
        return request

    def pending(self, session_id: str | None = None) -> list[ApprovalRequest]:
        requests = sorted(self._pending.values(), key=lambda r: r.created_mono)
        if session_id is not None:
            requests = [r for r in requests if r.session_id == session_id]
        return requests

    def decide(
        self,
        request_id: str,
        allow: bool,
        *,
        by: str,
        via: Via,
        reason: str | None = None,
    ) -> DecideResult:
        """Decide a request. The first decision wins; later ones are refused and told the first."""
        outcome = Outcome.ALLOW if allow else Outcome.DENY
        return self._settle(request_id, Decision(outcome, by, via, self.clock.now(), reason))

    def defer(self, request_id: str, *, by: str, via: Via, reason: str | None = None) -> DecideResult:
        """Give the decision back to the agent's own prompt."""
        return self._settle(request_id, Decision(Outcome.DEFER, by, via, self.clock.now(), reason))

    def release_all(self, reason: str = DASHBOARD_STOPPED) -> int:
        """Give every pending request back to its agent (the dashboard is stopping): each is
        settled, published and audited as deferred, so no agent waits on a dashboard that is gone
        and no surface shows a request nobody can answer. Returns how many were released."""
        released = 0
        for request in list(self._pending.values()):
            decision = Decision(Outcome.DEFER, "tether-tui", Via.SYSTEM, self.clock.now(), reason)
            try:
                self._resolve(request, decision)
            except Exception:  # one failing step never keeps the others waiting
                log.exception("could not release %s", request.id)
                continue
            released += 1
        return released

    def _settle(self, request_id: str, decision: Decision) -> DecideResult:
        request = self._pending.get(request_id)
        if request is None:
            earlier = self._decided.get(request_id)
            if earlier is None or earlier.decision is None:
                raise UnknownRequestError(request_id)
            return DecideResult(False, earlier.decision, earlier)
        self._resolve(request, decision)
        return DecideResult(True, decision, request)

    def _resolve(self, request: ApprovalRequest, decision: Decision, *, audit_required: bool = False) -> bool:
        """Settle ``request``. With ``audit_required`` (decisions no person took), a decision
        that cannot be written to the audit log is not taken: the request stays pending."""
        try:
            session = self._session_lookup(request.session_id)
            self.audit.record_decision(request, decision, session.title if session else request.session_id)
        except Exception:
            log.exception("could not write the audit log")
            if audit_required:
                return False
        self._pending.pop(request.id, None)
        request.settle(decision)
        self._decided[request.id] = request
        while len(self._decided) > DECIDED_KEPT:
            self._decided.popitem(last=False)
        self.bus.publish(ApprovalDecided(request, decision))
        self._pending_changed(request.session_id)
        return True

    # ----------------------------------------------------------------- rules
    def _context(self, request: ApprovalRequest) -> RequestContext:
        return RequestContext(request.session_id, request.tool_name, request.tool_input, request.directory, request.host)

    def _auto_rule(self, request: ApprovalRequest) -> Rule | None:
        if not self._rules or self.is_never_auto_approved(request):
            return None
        now = self.clock.monotonic()
        context = self._context(request)
        for rule in self._rules.values():
            if rule.expires_mono > now and rule_matches(rule, context):
                return rule
        return None

    def is_never_auto_approved(self, request: ApprovalRequest) -> bool:
        """True when no rule may let ``request`` through: it matches the never-auto-approve
        list, or it is a shell command that cannot be read for sure."""
        if not shell_understood(request.tool_name, request.tool_input):
            return True
        patterns = self.settings.never_patterns
        return never_auto_approved(patterns, request.tool_name, request.tool_input, request.directory) is not None

    def _auto_approve(self, request: ApprovalRequest, rule: Rule) -> bool:
        owner = self._session_lookup(rule.session_id) if rule.session_id else None
        what = rule.describe(owner.title if owner else None)
        decision = Decision(Outcome.ALLOW, f"rule {rule.id}", Via.AUTO, self.clock.now(), what, rule.id)
        if not self._resolve(request, decision, audit_required=True):
            return False
        session = self._session_lookup(request.session_id)
        now = self.clock.monotonic()
        if not self._batch:
            self._batch_first = now
        self._batch_last = now
        self._batch.append(
            AutoApproval(
                request.id,
                request.session_id,
                session.title if session else request.session_id,
                request.tool_name,
                request.summary,
                rule.id,
                decision.at,
            )
        )
        return True

    def add_rule(
        self,
        scope: RuleScope,
        minutes: float,
        *,
        by: str,
        via: Via,
        session_id: str | None = None,
        tool_name: str | None = None,
        command_prefix: str | None = None,
        command_exact: bool = False,
        directory: str | None = None,
        host: str | None = None,
    ) -> Rule:
        _check_minutes(minutes)
        if scope is RuleScope.SESSION and session_id is None:
            raise ValueError("a session rule needs a session")
        if scope is RuleScope.TOOL and tool_name is None:
            raise ValueError("a tool rule needs a tool name")
        if scope is RuleScope.DIRECTORY:
            if not directory:
                raise ValueError("a folder rule needs a folder")
            with paths_on_remote(host is not None):
                resolved = resolve_path(directory)
            if resolved is None:
                raise ValueError("a folder rule needs a folder")
            directory = resolved
        now = self.clock.now()
        rule = Rule(
            id=f"rule_{secrets.token_hex(4)}",
            scope=scope,
            created_at=now,
            expires_at=now + timedelta(minutes=minutes),
            expires_mono=self.clock.monotonic() + minutes * 60,
            created_by=by,
            created_via=via,
            session_id=session_id,
            tool_name=tool_name,
            command_prefix=command_prefix,
            command_exact=command_exact,
            directory=directory,
            host=host if scope is RuleScope.DIRECTORY else None,
        )
        self._rules[rule.id] = rule
        self._save_rules()
        try:
            self.audit.record_rule("rule_added", rule, now, by)
        except OSError:
            log.exception("could not write the audit log")
        self.bus.publish(RuleAdded(rule))
        for request in self.pending():
            matched = self._judged_rule(request) if request.pending else None
            if matched is not None:
                self._auto_approve(request, matched)
        return rule

    def rule_for(self, request: ApprovalRequest, timer: TimerChoice, minutes: float, *, by: str, via: Via) -> Rule:
        """Add the rule that "allow ... for N minutes" on ``request`` stands for."""
        scope, fields = self._rule_fields(request, timer)
        return self.add_rule(scope, minutes, by=by, via=via, **fields)

    def _rule_fields(self, request: ApprovalRequest, timer: TimerChoice) -> tuple[RuleScope, dict[str, Any]]:
        """What a rule for ``timer`` covers; ValueError when ``request`` cannot have one."""
        if timer == "all":
            return RuleScope.SESSION, {"session_id": request.session_id}
        if timer == "dir":
            if not request.directory:
                raise ValueError("this request has no folder")
            return RuleScope.DIRECTORY, {"directory": request.directory, "host": request.host}
        if timer == "prefix":
            command_rule = self.command_rule_of(request)
            if command_rule is None:
                raise ValueError("this request is not a single shell command")
            return RuleScope.TOOL, {
                "session_id": request.session_id,
                "tool_name": request.tool_name,
                "command_prefix": command_rule.text,
                "command_exact": command_rule.exact,
            }
        if timer == "tool-everywhere":
            return RuleScope.TOOL, {"tool_name": request.tool_name}
        tool = request.tool_name if timer in ("tool", request.tool_name) else timer
        return RuleScope.TOOL, {"session_id": request.session_id, "tool_name": tool}

    def allow_with_timer(self, request_id: str, timer: TimerChoice, minutes: float | None = None, *, by: str, via: Via) -> DecideResult:
        """Allow a request and set a rule for the ones like it (which lets matching pending
        requests through as well)."""
        request = self.get(request_id)
        if not request.pending:
            assert request.decision is not None
            return DecideResult(False, request.decision, request)
        minutes = minutes or self.settings.default_duration_minutes
        _check_minutes(minutes)
        scope, fields = self._rule_fields(request, timer)  # a timer that cannot be set allows nothing
        reason = f"and allowed {_TIMER_LABELS.get(timer, timer)} for {minutes:g} min"
        decision = Decision(Outcome.ALLOW, by, via, self.clock.now(), reason, timer=timer)
        result = self._settle(request_id, decision)
        self.add_rule(scope, minutes, by=by, via=via, **fields)
        return result

    def revoke_rule(self, rule_id: str, *, by: str) -> Rule | None:
        rule = self._rules.pop(rule_id, None)
        if rule is None:
            return None
        self._save_rules()
        try:
            self.audit.record_rule("rule_revoked", rule, self.clock.now(), by)
        except OSError:
            log.exception("could not write the audit log")
        self.bus.publish(RuleRemoved(rule, expired=False, by=by))
        return rule

    def _save_rules(self) -> None:
        if self._rule_file is not None:
            self._rule_file.save(list(self._rules.values()))

    def restore_rules(self) -> list[Rule]:
        """Bring back the rules kept on disk that have not expired (each audited as restored;
        those that expired while the dashboard was closed are audited as expired)."""
        if self._rule_file is None:
            return []
        now, now_mono = self.clock.now(), self.clock.monotonic()
        restored: list[Rule] = []
        for record in self._rule_file.load():
            try:
                rule = rule_from_json(record, 0.0)
            except (KeyError, ValueError, TypeError) as exc:
                log.error("an auto-approve rule on disk cannot be read (%s); not restored", exc)
                continue
            left = (rule.expires_at - now).total_seconds()
            event = "rule_restored" if left > 0 else "rule_expired"
            if left > 0:
                rule = dataclasses.replace(rule, expires_mono=now_mono + left)
                self._rules[rule.id] = rule
                restored.append(rule)
                self.bus.publish(RuleAdded(rule))
            try:
                self.audit.record_rule(event, rule, now, None)
            except OSError:
                log.exception("could not write the audit log")
        self._save_rules()
        return restored

    def rules(self) -> list[Rule]:
        now = self.clock.monotonic()
        return sorted((r for r in self._rules.values() if r.expires_mono > now), key=lambda r: r.expires_mono)

    def remaining_seconds(self, rule: Rule) -> float:
        return max(0.0, rule.expires_mono - self.clock.monotonic())

    def update_settings(self, settings: ApprovalSettings) -> None:
        """New durations and timeout apply to requests made from now on."""
        self.settings = settings

    # ----------------------------------------------------------------- time
    def sweep(self) -> None:
        """Expire rules and unanswered requests, and publish a due batch of auto-approvals.

        Each step stands alone: a rule or request that cannot be handled is logged once and
        settled anyway (a request by the fallback), and every other timeout, expiry and batch
        notice goes on."""
        now = self.clock.monotonic()
        expired = [r for r in self._rules.values() if r.expires_mono <= now]
        for rule in expired:
            self._rules.pop(rule.id, None)
            try:
                self.audit.record_rule("rule_expired", rule, self.clock.now(), None)
            except Exception:
                log.exception("could not write the audit log")
            self.bus.publish(RuleRemoved(rule, expired=True))
        if expired:
            try:
                self._save_rules()
            except Exception:
                log.exception("could not save the rules")
        for request in [r for r in self._pending.values() if r.expires_mono is not None and r.expires_mono <= now]:
            self._time_out(request)
        if self._batch and (
            now - self._batch_last >= self.settings.batch_debounce_seconds
            or now - self._batch_first >= self.settings.batch_max_wait_seconds
        ):
            self.flush_batch()

    def _time_out(self, request: ApprovalRequest) -> None:
        """Settle ``request`` by the fallback: nobody answered in time."""
        seconds = self.settings.timeout_seconds
        waited = f"{seconds / 60:g} min" if seconds >= 60 else f"{seconds:g} s"
        outcome = Outcome.DEFER if self.settings.fallback == "defer" else Outcome.DENY
        decision = Decision(outcome, "nobody", Via.TIMEOUT, self.clock.now(), f"nobody answered within {waited}")
        try:
            self._resolve(request, decision)
        except Exception:
            log.exception("settling request %s at its timeout failed; settled by the fallback anyway", request.id)
            self._pending.pop(request.id, None)
            if request.pending:
                request.settle(decision)
                self._decided[request.id] = request
                self.bus.publish(ApprovalDecided(request, decision))

    def flush_batch(self) -> None:
        if self._batch:
            batch, self._batch = tuple(self._batch), []
            self.bus.publish(AutoApprovedBatch(batch))

    async def run(self, interval: float = 0.25) -> None:
        """Sweep forever (cancel the task to stop)."""
        while True:
            await asyncio.sleep(interval)
            try:
                self.sweep()
            except Exception:
                log.exception("approval sweep failed")

    @staticmethod
    def command_rule_of(request: ApprovalRequest) -> CommandRule | None:
        """What "allow commands like this one" would cover for ``request`` (None when it is not
        one shell command): see :func:`tether_tui.rules.command_rule_for`."""
        command = shell_command(request.tool_name, request.tool_input)
        return command_rule_for(command) if command else None
