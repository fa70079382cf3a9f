"""``tether-tui doctor``: one line per check, each failure with its fix, exit 1 when anything
is wrong. Checks the config (parses, private), each chat platform (token, rights, chat), the
agents' hooks (installed, pointing at this installation), the dashboard's socket and the ACP
agents' commands. Tokens are never printed."""

from __future__ import annotations

import asyncio
import json
import os
import shlex
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TextIO

from bridges.probe import Finding, fail, note, ok, probe
from tether_tui.agents import AGENTS
from tether_tui.config import Config, ConfigError, RemoteSettings, load_config
from tether_tui.install_hooks import _is_ours, settings_path, strip_json_comments, tether_command
from tether_tui.paths import FOLDERS, folder_of, folder_problem, gateway_socket_path
from tether_tui.platforms import PLATFORMS

MARKS = {"ok": "✓", "fail": "✗", "note": "·"}
AGENT_LABELS = {"claude": "Claude Code", "codex": "Codex", "gemini": "Gemini CLI"}


def config_findings(path: Path) -> tuple[Config | None, list[Finding]]:
    try:
        config = load_config(path, env=dict(os.environ))
    except ConfigError as exc:
        return None, [fail(f"Config: {exc}", "fix the line named, then: tether-tui config check")]
    if not path.exists():
        return config, [note(f"Config: {path} does not exist, defaults apply", "tether-tui config init writes one to edit")]
    findings = [ok(f"Config: {path} parses")]
    mode = stat.S_IMODE(path.stat().st_mode)
    if config.secrets() and mode & 0o077:
        findings.append(fail(f"Config: holds tokens and is readable by others (mode {mode:o})", f"chmod 600 {shlex.quote(str(path))}"))
    elif config.secrets():
        findings.append(ok(f"Config: mode {mode:o}, readable by you only"))
    return config, findings


def _our_commands(value: Any, agent: str) -> Iterator[str]:
    if isinstance(value, dict):
        if _is_ours(value, agent):
            yield value["command"]
        for child in value.values():
            yield from _our_commands(child, agent)
    elif isinstance(value, list):
        for child in value:
            yield from _our_commands(child, agent)


def hook_findings(project: Path | None = None) -> list[Finding]:
    """For each agent: where its settings name tether-tui's hook, and whether that command is
    this installation (one removed, or another, is a failure)."""
    ours = tether_command()[0]
    findings = []
    for agent in AGENTS:
        label = AGENT_LABELS.get(agent, agent)
        paths = [settings_path(agent, None)] + ([settings_path(agent, project)] if project is not None else [])
        seen = False
        for path in paths:
            if not path.is_file():
                continue
            try:
                settings = json.loads(strip_json_comments(path.read_text(encoding="utf-8"))[0] or "{}")
            except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
                findings.append(fail(f"{label} hooks: {path} cannot be read ({exc})", "fix the file's JSON"))
                continue
            commands = set(_our_commands(settings, agent))
            if not commands:
                continue
            seen = True
            programs = {shlex.split(command)[0] for command in commands}
            gone = sorted(program for program in programs if not Path(program).exists())
            other = sorted(program for program in programs if Path(program).exists() and program != ours)
            reinstall = f"tether-tui install-hooks {agent}" + (f" --project {shlex.quote(str(project))}" if path != paths[0] else "")
            if gone:
                findings.append(fail(f"{label} hooks in {path}: point at a removed installation ({', '.join(gone)})", reinstall))
            elif other:
                findings.append(
                    fail(f"{label} hooks in {path}: point at another installation ({', '.join(other)}; this one is {ours})", reinstall)
                )
            else:
                findings.append(ok(f"{label} hooks in {path}: this installation"))
        if not seen:
            findings.append(
                note(f"{label} hooks: not installed", f"tether-tui install-hooks {agent} (to supervise {label} started elsewhere)")
            )
    return findings


def gateway_findings() -> list[Finding]:
    from tether_tui.hookclient import ask_gateway

    path = gateway_socket_path()
    if not path.exists():
        return [note(f"Dashboard: not running (no {path}); hooks answer with their fallback", "start tether-tui")]
    try:
        reply = ask_gateway(path, "claude", {}, wait=5.0)  # an empty event: answered with an error, nothing created
    except (OSError, TimeoutError, ValueError) as exc:
        return [fail(f"Dashboard: {path} does not answer ({exc})", "start tether-tui again (it replaces a stale socket)")]
    if reply.get("v") is None:
        return [fail(f"Dashboard: {path} answered something else", "start tether-tui again")]
    return [ok(f"Dashboard: answering on {path}")]


def agent_findings(config: Config) -> list[Finding]:
    from runners.acp.profiles import BUILTIN_PROFILES, profiles_from_config

    configured = profiles_from_config(config.agents)
    findings = []
    for name, profile in {**BUILTIN_PROFILES, **configured}.items():
        try:
            command = profile.resolve()
        except Exception as exc:
            text = f"ACP agent {name}: {exc}"
            findings.append(fail(text, f"fix [agents.{name}] command") if name in configured else note(text))
            continue
        findings.append(ok(f"ACP agent {name}: {command[0]}"))
    return findings


async def remote_findings(config: Config) -> list[Finding]:
    """Each enabled remote: reachable over ssh, tether-tui there (the reason and fix if not)."""
    from tether_tui.gateway import Gateway
    from tether_tui.remotes import RemoteLink, RemoteProblem
    from tether_tui.store import SessionStore

    async def one(remote: RemoteSettings) -> Finding:
        link = RemoteLink(remote, SessionStore(), Gateway(SessionStore()))
        try:
            machine = await link.probe()
        except RemoteProblem as exc:
            return fail(f"Remote {remote.name} ({remote.destination}): {str(exc).split(':')[0]}", str(exc))
        return ok(f"Remote {remote.name}: {machine.hostname}, tether-tui {machine.version}")

    return list(await asyncio.gather(*(one(remote) for remote in config.remotes if remote.enabled)))


async def platform_findings(config: Config) -> list[Finding]:
    checks = {
        name: probe(name, settings) for name, settings in config.bridge_settings().items() if settings.configured and settings.enabled
    }
    findings: list[Finding] = []
    for name, settings in config.bridge_settings().items():
        if name not in checks:
            why = "switched off" if settings.configured else "no token"
            findings.append(
                note(f"{PLATFORMS[name].label}: not set up ({why})", f"tether-tui setup {name}" if not settings.configured else "")
            )
    results = await asyncio.gather(*checks.values())
    for found in results:
        findings.extend(found)
    return findings


def folder_findings() -> list[Finding]:
    """The data, config and runtime folders: each one usable, or what is in the way and the fix."""
    findings = []
    for kind in FOLDERS:
        problem = folder_problem(kind)
        findings.append(
            ok(f"Folders: {kind} {folder_of(kind)}")
            if problem is None
            else fail(f"Folders: {problem.split('; ')[0]}", problem.split("; ", 1)[1])
        )
    return findings


def run(config_path: Path, out: TextIO, *, project: Path | None = None) -> int:
    config, findings = config_findings(config_path)
    findings = folder_findings() + findings
    if config is not None:
        findings += asyncio.run(platform_findings(config))
        findings += asyncio.run(remote_findings(config))
    findings += hook_findings(project) + gateway_findings()
    if config is not None:
        findings += agent_findings(config)
    for finding in findings:
        print(f"{MARKS[finding.status]} {finding.text}", file=out)
        if finding.fix:
            print(f"    {'fix' if finding.failed else 'to do'}: {finding.fix}", file=out)
    failed = sum(finding.failed for finding in findings)
    print(f"\n{failed} problem{'s' if failed != 1 else ''} found" if failed else "\nAll good.", file=out)
    return 1 if failed else 0
