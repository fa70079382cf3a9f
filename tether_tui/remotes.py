"""Remotes: machines reached with the system's own ``ssh`` (the user's keys, agent,
``~/.ssh/config``, jump hosts and ControlMaster all apply) whose agents this dashboard
supervises. No relay and no open port: for each remote one ssh process forwards the remote's
gateway socket to a socket of this dashboard (``ssh -R``), so ``tether-tui hook ...`` run there
reaches this dashboard, and what arrives on that socket is known to come from that remote.

A link learns the remote socket path by running ``tether-tui paths --prepare`` there, keeps
the forward up, reconnects with backoff, and says in the top bar (``@name``) what is wrong:
host unreachable, key refused, tether-tui not installed there (with the install command)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import shlex
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from tether_tui.config import Config, RemoteSettings
from tether_tui.gateway import Gateway
from tether_tui.models import SessionState
from tether_tui.paths import runtime_dir
from tether_tui.store import BridgeHealth, SessionStore

log = logging.getLogger(__name__)

INSTALL_COMMAND = "pipx install tether-tui  (or: pip install --user tether-tui)"
BACKOFF_SECONDS = (1.0, 2.0, 5.0, 10.0, 30.0)
"""Waits between attempts; the last one repeats."""
SSH_OPTIONS = (
    "-o", "BatchMode=yes",  # never a password prompt nobody sees
    "-o", "ConnectTimeout=10",
    "-o", "ServerAliveInterval=10",  # a dead connection is noticed within half a minute
    "-o", "ServerAliveCountMax=3",
)  # fmt: skip
PROBE_TIMEOUT = 30.0
FORWARD_CHECKS = 20
"""Times the remote socket is looked at (every half second) before the forward counts as failed."""


def health_name(remote: str) -> str:
    """How a remote is named among the bridges in the top bar."""
    return f"@{remote}"


def remote_shell(command: Sequence[str]) -> str:
    """``command`` for the remote's shell, with the usual place of a pipx install on PATH (a
    non-interactive ssh session often lacks ~/.local/bin)."""
    return 'PATH="$PATH:$HOME/.local/bin"; exec ' + shlex.join(command)


def ssh_argv(settings: RemoteSettings, *options: str, command: Sequence[str] | None = None, script: str | None = None) -> list[str]:
    """``ssh`` to the remote running ``command`` (an argv, quoted for its shell) or ``script``
    (shell text as is); neither: nothing runs (a forward)."""
    argv = ["ssh", *SSH_OPTIONS, *options, *settings.ssh_args, settings.destination]
    if command is not None:
        script = remote_shell(command)
    if script is not None:
        argv += ["--", script]
    return argv


def remote_path(path: str) -> str:
    """``path`` for the remote's shell: quoted, with a leading ``~`` left to the shell."""
    if path == "~":
        return "~"
    if path.startswith("~/"):
        return "~/" + shlex.quote(path[2:])
    return shlex.quote(path)


async def remote_folder(settings: RemoteSettings, folder: str) -> str:
    """``folder`` on the remote as an absolute path; ValueError saying why when it is not a
    folder there (or the remote cannot be reached)."""
    ran = await run_remote(settings, script=f"cd {remote_path(folder)} && pwd -P")
    if ran is None:
        raise ValueError(f"{settings.name} did not answer within {PROBE_TIMEOUT:g} s")
    code, stdout, stderr = ran
    lines = stdout.strip().splitlines()
    if code != 0 or not lines or not lines[-1].startswith("/"):
        if code == 255:
            raise ValueError(f"{settings.name}: {explain(stderr, 255, settings.destination)}")
        raise ValueError(f"{folder} is not a folder on {settings.name}")
    return lines[-1]


async def run_remote(
    settings: RemoteSettings, *, command: Sequence[str] | None = None, script: str | None = None
) -> tuple[int, str, str] | None:
    """Run a short command there: (exit code, stdout, stderr), or None when nothing came back
    within :data:`PROBE_TIMEOUT`. The ssh process never outlives the call (a stop included)."""
    process = await asyncio.create_subprocess_exec(
        *ssh_argv(settings, "-T", command=command, script=script),
        stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        stdout, stderr = await asyncio.wait_for(process.communicate(), PROBE_TIMEOUT)
    except TimeoutError:
        return None
    finally:
        await _ended(process)
    return process.returncode or 0, stdout.decode(errors="replace"), stderr.decode(errors="replace")


def remote_agent_argv(settings: RemoteSettings, folder: str, command: Sequence[str], env: dict[str, str]) -> list[str]:
    """``ssh`` running an agent in ``folder`` on the remote, its stdin and stdout passed
    through unchanged (ACP speaks JSON-RPC over them). ``env`` are the profile's own settings,
    not this machine's keys: the agent there uses its own login."""
    assignments = [f"{key}={value}" for key, value in sorted(env.items())]
    program = shlex.join(["env", *assignments, *command]) if assignments else shlex.join(command)
    script = f'cd {shlex.quote(folder)} && PATH="$PATH:$HOME/.local/bin" exec {program}'
    return ssh_argv(settings, "-T", "-o", "ServerAliveInterval=15", script=script)


class RemoteProblem(Exception):
    """Why a remote cannot be reached, as the top bar says it."""


def explain(stderr: str, exit_code: int | None, destination: str) -> str:
    """The ssh client's complaint as a reason with what to do."""
    text = stderr.strip()
    lowered = text.lower()
    if exit_code == 127 or "tether-tui: command not found" in lowered or "tether-tui: not found" in lowered:
        return f"tether-tui is not installed there: on {destination}, {INSTALL_COMMAND}"
    if "permission denied" in lowered:
        return f"auth refused: the key was not accepted (ssh {destination} must work without a password prompt)"
    if "host key verification failed" in lowered:
        return f"host key not known: run ssh {destination} once in a terminal to check and accept it"
    if "could not resolve hostname" in lowered:
        return f"host unreachable: the name does not resolve ({destination})"
    for sign in ("connection refused", "timed out", "no route to host", "network is unreachable", "connection closed", "connection reset"):
        if sign in lowered:
            return f"host unreachable: {sign}"
    if "remote port forwarding failed" in lowered or "forwarding failed" in lowered:
        return "could not forward the socket there: a dashboard running there, or an old connection still holding it"
    last = text.splitlines()[-1] if text else f"ssh exited with {exit_code}"
    return f"ssh: {last[:200]}"


@dataclass(frozen=True)
class RemoteMachine:
    """What ``tether-tui paths`` said about the remote."""

    hostname: str
    version: str
    gateway_socket: str
    socket: str


class RemoteLink:
    """One remote: probe, forward, watch, reconnect."""

    def __init__(
        self, settings: RemoteSettings, store: SessionStore, gateway: Gateway, *, backoff: Sequence[float] = BACKOFF_SECONDS
    ) -> None:
        self.settings = settings
        self.store = store
        self.gateway = gateway
        self.backoff = tuple(backoff)
        self.local_socket = runtime_dir() / "remotes" / f"{settings.name}.sock"
        self.machine: RemoteMachine | None = None
        self.connected = asyncio.Event()
        self._process: asyncio.subprocess.Process | None = None
        self._task: asyncio.Task[None] | None = None
        self.attempts = 0

    @property
    def name(self) -> str:
        return self.settings.name

    def _health(self, health: str, detail: str | None = None) -> None:
        self.store.set_bridge_health(health_name(self.name), health, detail)

    # ----------------------------------------------------------------- lifecycle
    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=f"remote {self.name}")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
            self._task = None
        await self._end_forward()
        await self.gateway.stop_listening_for(self.name)
        self._health(BridgeHealth.OFF)

    async def _run(self) -> None:
        await self.gateway.listen_for(self.name, self.local_socket)
        failures = 0
        while True:
            self.attempts += 1
            self._health(BridgeHealth.CONNECTING, f"ssh {self.settings.destination}")
            try:
                self.machine = await self.probe(prepare=True)
                await self._forward(self.machine)
            except RemoteProblem as exc:
                reason = str(exc)
            else:
                failures = 0
                self.connected.set()
                where = f"{self.machine.hostname}, tether-tui {self.machine.version}"
                self._health(BridgeHealth.CONNECTED, where)
                self._sessions_back()
                log.info("remote %s connected (%s)", self.name, where)
                reason = await self._watch()
                self.connected.clear()
            self._sessions_gone()
            wait = self.backoff[min(failures, len(self.backoff) - 1)]
            failures += 1
            self._health(BridgeHealth.FAILING, f"{reason}; trying again in {wait:g} s")
            log.warning("remote %s: %s", self.name, reason)
            await asyncio.sleep(wait)

    # ----------------------------------------------------------------- steps
    async def probe(self, *, prepare: bool = False) -> RemoteMachine:
        """Run ``tether-tui paths`` there; RemoteProblem with the reason when that fails."""
        ran = await run_remote(self.settings, command=["tether-tui", "paths", *(["--prepare"] if prepare else [])])
        if ran is None:
            raise RemoteProblem(f"host unreachable: no answer within {PROBE_TIMEOUT:g} s")
        code, stdout, stderr = ran
        report = _last_json(stdout)
        if report is None:
            raise RemoteProblem(explain(stderr, code, self.settings.destination))
        if "error" in report:
            raise RemoteProblem(f"tether-tui there refuses its runtime folder: {report['error']}")
        return RemoteMachine(
            str(report.get("hostname", "")), str(report.get("version", "")), str(report["gateway_socket"]), str(report.get("socket", ""))
        )

    async def _forward(self, machine: RemoteMachine) -> None:
        if machine.socket == "answering":
            raise RemoteProblem(
                f"something already answers on {machine.gateway_socket} there: a dashboard running on that machine "
                "(its hooks go to it), or an old connection not closed yet"
            )
        # A session with a terminal, not -N: ssh then sends small messages at once (TCP_NODELAY
        # on both ends) instead of holding them for Nagle's algorithm, 40 ms a hook otherwise.
        # The remote side only waits for its input, which stays open until the link ends.
        argv = ssh_argv(
            self.settings, "-tt", "-o", "ExitOnForwardFailure=yes", "-o", "StreamLocalBindUnlink=yes",
            "-R", f"{machine.gateway_socket}:{self.local_socket}", script="exec cat >/dev/null",
        )  # fmt: skip
        self._process = await asyncio.create_subprocess_exec(
            *argv, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
            start_new_session=True,
        )  # fmt: skip
        for _ in range(FORWARD_CHECKS):
            await asyncio.sleep(0.5)
            if self._process.returncode is not None:
                break
            try:
                if (await self.probe()).socket == "answering":
                    return
            except RemoteProblem:
                continue
        stderr = await self._end_forward()
        raise RemoteProblem(explain(stderr, 255, self.settings.destination) if stderr else "the socket forward did not come up")

    async def _watch(self) -> str:
        """Wait until the forward ends; why it did."""
        assert self._process is not None
        await self._process.wait()
        stderr = await self._end_forward()
        return "connection lost" + (f": {explain(stderr, 255, self.settings.destination)}" if stderr.strip() else "")

    async def _end_forward(self) -> str:
        """Stop the ssh process (if running); what it wrote to stderr."""
        process, self._process = self._process, None
        if process is None:
            return ""
        if process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                process.terminate()
            try:
                await asyncio.wait_for(process.wait(), 5)
            except TimeoutError:
                with contextlib.suppress(ProcessLookupError):
                    process.kill()
                await process.wait()
        if process.stderr is None:
            return ""
        with contextlib.suppress(Exception):
            return (await asyncio.wait_for(process.stderr.read(), 2)).decode(errors="replace")
        return ""

    # ----------------------------------------------------------------- sessions
    def _sessions_gone(self) -> None:
        for session_id in self.gateway.sessions_of(self.name):
            session = self.store.session(session_id)
            if not session.state.is_final:
                self.store.set_state(session_id, SessionState.DISCONNECTED)

    def _sessions_back(self) -> None:
        for session_id in self.gateway.sessions_of(self.name):
            if self.store.session(session_id).state is SessionState.DISCONNECTED:
                self.store.set_state(session_id, SessionState.IDLE)


async def _ended(process: asyncio.subprocess.Process) -> None:
    """Kill ``process`` if it still runs, and reap it."""
    if process.returncode is None:
        with contextlib.suppress(ProcessLookupError):
            process.kill()
    with contextlib.suppress(Exception):
        await asyncio.shield(process.wait())


def _last_json(text: str) -> dict[str, Any] | None:
    """The JSON object ``tether-tui paths`` printed (a login banner may come before it)."""
    for line in reversed(text.strip().splitlines()):
        with contextlib.suppress(ValueError):
            value = json.loads(line)
            if isinstance(value, dict) and "gateway_socket" in value:
                return value
    return None


class RemoteSupervisor:
    """Keeps one link per enabled ``[remotes.NAME]`` and follows config edits."""

    def __init__(self, store: SessionStore, gateway: Gateway, *, backoff: Sequence[float] = BACKOFF_SECONDS) -> None:
        self.store = store
        self.gateway = gateway
        self.backoff = backoff
        self.links: dict[str, RemoteLink] = {}

    async def apply(self, config: Config) -> None:
        wanted = {remote.name: remote for remote in config.remotes if remote.enabled}
        for name, link in list(self.links.items()):
            if wanted.get(name) != link.settings:
                await link.stop()
                del self.links[name]
                if name not in wanted:
                    self.store.set_bridge_health(health_name(name), BridgeHealth.OFF, "not in the config")
        for name, settings in wanted.items():
            if name not in self.links:
                link = RemoteLink(settings, self.store, self.gateway, backoff=self.backoff)
                self.links[name] = link
                link.start()

    async def stop_all(self) -> None:
        for link in self.links.values():
            await link.stop()
        self.links.clear()
