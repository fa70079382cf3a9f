"""The ``tether-tui`` command."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from tether_tui import __version__

if TYPE_CHECKING:
    from collections.abc import Collection

    from tether_tui.audit import AuditLog
    from tether_tui.config import Config
    from tether_tui.runtime import Runtime
    from tether_tui.runtime_lock import RuntimeLock


def _demo_count(text: str) -> int:
    try:
        count = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if not 0 <= count <= 50:
        raise argparse.ArgumentTypeError(f"{count} is not from 0 to 50")
    return count


def build_parser() -> argparse.ArgumentParser:
    from tether_tui.paths import default_config_path
    from tether_tui.platforms import PLATFORMS

    parser = argparse.ArgumentParser(
        prog="tether-tui",
        description="Supervise AI coding agents: sessions, output, approvals and auto-approve timers.",
        epilog=f"config file, unless --config says otherwise:\n  {default_config_path()}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"tether-tui {__version__}")
    parser.add_argument("--config", type=Path, metavar="PATH", help="config file (default: below)")
    parser.add_argument("--no-demo", action="store_true", help="start without the built-in demo agents")
    parser.add_argument("--demo", type=_demo_count, metavar="N", help="number of demo agents to start, 0 to 50 (default 3)")
    parser.add_argument("--demo-speed", type=float, default=1.0, help=argparse.SUPPRESS)
    parser.add_argument("--headless", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--exit-after-first-frame", action="store_true", help=argparse.SUPPRESS)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    hook = sub.add_parser("hook", help="what an agent's hook runs: ask the dashboard, print the decision")
    hook.add_argument("agent", choices=["claude", "codex", "gemini"])

    install = sub.add_parser("install-hooks", help="add tether-tui's hooks to an agent's settings")
    install.add_argument("agent", choices=["claude", "codex", "gemini"])
    where = install.add_mutually_exclusive_group()
    where.add_argument("--project", metavar="DIR", help="the project's settings (default: the user's)")
    where.add_argument("--user", action="store_true", help="the user's settings (the default)")
    install.add_argument("--uninstall", action="store_true", help="remove tether-tui's hooks")
    install.add_argument("--dry-run", action="store_true", help="print the result, write nothing")
    install.add_argument(
        "--fallback",
        choices=["defer", "deny"],
        default="defer",
        help="when the dashboard is not running: leave the decision to the agent (defer) or deny",
    )

    doctor = sub.add_parser("doctor", help="check the config, the chat bots, the hooks and the agents; say how to fix")
    doctor.add_argument("--config", type=Path, dest="config_file", help="config file to check")
    doctor.add_argument("--project", type=Path, metavar="DIR", help="also check this project's hook settings")

    paths = sub.add_parser("paths", help="print this machine's tether-tui paths as JSON (what a remote dashboard asks over ssh)")
    paths.add_argument("--prepare", action="store_true", help="create the runtime folder and remove a stale socket")

    remote = sub.add_parser("remote", help="a machine reached over ssh ([remotes.NAME]): check it, or install the hooks there")
    remote.add_argument("action", choices=["check", "setup"])
    remote.add_argument("name", help="the NAME of [remotes.NAME] in the config")
    remote.add_argument("agents", nargs="*", metavar="AGENT", help="setup: the agents whose hooks to install there (claude, codex, gemini)")
    remote.add_argument("--config", type=Path, dest="config_file", help="config file to read")

    setup = sub.add_parser("setup", help="set up a chat bridge step by step: token, chat, pairing")
    setup.add_argument("platform", choices=list(PLATFORMS))
    setup.add_argument("--config", type=Path, dest="config_file", help="config file to write")

    serve = sub.add_parser("serve", help="run without a screen (approve from chat): the same runtime as the dashboard")
    serve.add_argument("--log-stderr", action="store_true", help="also log to stderr (the log file is in the data folder)")
    serve.add_argument(
        "--print-unit", action="store_true", help="print a service definition to install (systemd user unit; launchd plist on macOS)"
    )
    serve.add_argument("--config", type=Path, dest="config_file", help="config file to run with")

    config = sub.add_parser(
        "config",
        help="show, create or check the config file",
        description="The config file: tokens, allowlists, approvals, agents, remotes. The dashboard "
        "applies edits while it runs; a broken edit keeps the last good config.",
        epilog="actions:\n"
        "  path    print where the config file is (or would be)\n"
        "  init    write a config file with every setting and its default (never overwrites one)\n"
        "  check   read the config file and say every problem with its line, or ok",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    config.add_argument("action", choices=["path", "init", "check"], help="path, init or check (see below)")
    config.add_argument("--config", type=Path, dest="config_file", help="config file to act on")
    return parser


def _config_path(args: argparse.Namespace) -> Path:
    from tether_tui.paths import default_config_path

    return getattr(args, "config_file", None) or args.config or default_config_path()


def _load(path: Path, *, explicit: bool = False, themes: Collection[str] = ()) -> Config:
    """Load the config; one named on the command line that does not exist is said so."""
    import dataclasses

    from tether_tui.config import ConfigError, load_config

    try:
        config = load_config(path, themes=themes)
    except ConfigError as exc:
        if len(exc.problems) == 1:
            print(f"tether-tui: {exc}", file=sys.stderr)
        else:
            print(f"tether-tui: {len(exc.problems)} problems in the config:", file=sys.stderr)
            print("\n".join(f"  {problem}" for problem in exc.problems), file=sys.stderr)
        raise SystemExit(2) from None
    if explicit and not path.exists():
        warning = f"{path} does not exist: defaults apply (tether-tui config init --config {path} writes one)"
        print(f"tether-tui: {warning}", file=sys.stderr)
        config = dataclasses.replace(config, warnings=(warning, *config.warnings))
    return config


def config_command(args: argparse.Namespace) -> int:
    from tether_tui.config import CONFIG_TEMPLATE
    from tether_tui.paths import write_private_atomic

    path = _config_path(args)
    if args.action == "path":
        print(path)
        return 0
    if args.action == "init":
        if path.exists():
            print(f"tether-tui: {path} exists already; not overwritten", file=sys.stderr)
            return 1
        write_private_atomic(path, CONFIG_TEMPLATE)
        print(f"wrote {path}")
        return 0
    named = getattr(args, "config_file", None) or args.config
    if named is not None and not path.exists():
        print(f"tether-tui: {path} does not exist (tether-tui config init --config {path} writes one)", file=sys.stderr)
        return 2
    from textual.theme import BUILTIN_THEMES

    config = _load(path, themes=BUILTIN_THEMES)
    print(f"{path}: ok" if path.exists() else f"{path}: not present, defaults apply")
    for warning in config.warnings:
        print(f"warning: {warning}")
    for name, settings in config.bridge_settings().items():
        state = "configured" if settings.configured else "not configured"
        print(f"{name}: {state}{'' if settings.enabled else ' (disabled)'}")
    return 0


class _Opened:
    """A runtime put together from the command line, and what to close after it."""

    def __init__(self, runtime: Runtime, audit: AuditLog, lock: RuntimeLock) -> None:
        self.runtime = runtime
        self.audit = audit
        self.lock = lock

    def close(self) -> None:
        self.audit.close()
        self.lock.release()


def open_runtime(args: argparse.Namespace, *, demo: bool, log_stderr: bool = False) -> _Opened | int:
    """Everything the dashboard and ``serve`` run, put together: the lock on the runtime folder,
    logging, the audit log, the store and its rules, the launcher, the gateway, the remotes and
    the bridges. An exit code (after saying why) when it cannot be."""
    config_path = _config_path(args)
    named = getattr(args, "config_file", None) or args.config
    config = _load(config_path, explicit=named is not None)

    from tether_tui.audit import AuditLog
    from tether_tui.logs import setup_logging
    from tether_tui.paths import data_dir, default_audit_path, ensure_private_dir, folder_problem, runtime_dir
    from tether_tui.runtime_lock import RuntimeLock
    from tether_tui.store import SessionStore

    for kind in ("runtime", "data"):
        problem = folder_problem(kind, make=True)
        if problem is not None:
            print(f"tether-tui: {problem}", file=sys.stderr)
            return 2
    lock = RuntimeLock(ensure_private_dir(runtime_dir()))
    holder = lock.acquire()
    if holder is not None:
        print(holder.describe(lock.folder), file=sys.stderr)
        return 1
    redactor = setup_logging(data_dir() / "tether-tui.log", config.secrets(), to_stderr=log_stderr)
    audit = AuditLog(default_audit_path())
    try:
        audit.open()
    except OSError as exc:
        print(f"tether-tui: cannot open the audit log {audit.path}: {exc}", file=sys.stderr)
        lock.release()
        return 2
    store = SessionStore(config=config, audit=audit, rules_path=data_dir() / "rules.json")
    store.approvals.restore_rules()
    redactor.track(lambda: store.config.secrets())  # tokens a config reload brings are masked too

    demo_sessions = 0
    if demo and not args.no_demo and config.dashboard.demo:
        demo_sessions = args.demo if args.demo is not None else config.dashboard.demo_sessions

    import sqlite3

    from bridges.supervisor import BridgeSupervisor
    from runners import default_registry
    from runners.acp.profiles import profiles_from_config
    from runners.chat_start import ChatStarter
    from runners.launcher import SessionLauncher
    from tether_tui.commands import CommandRegistry
    from tether_tui.gateway import Gateway
    from tether_tui.remotes import RemoteSupervisor
    from tether_tui.runtime import Runtime
    from tether_tui.state import StateFile

    state = StateFile(data_dir() / "state.sqlite3")
    try:
        state.open()
    except (sqlite3.Error, OSError) as exc:
        print(f"tether-tui: cannot keep sessions in {state.path}: {exc}", file=sys.stderr)
        audit.close()
        lock.release()
        return 2
    launcher = SessionLauncher(store, default_registry(profiles_from_config(config.agents)))
    commands = CommandRegistry(store)
    start_from_chat = ChatStarter(launcher, lambda: store.config.runners.allowed_roots, demo_speed=args.demo_speed)
    gateway = Gateway(store)
    runtime = Runtime(
        store,
        launcher=launcher,
        commands=commands,
        gateway=gateway,
        remotes=RemoteSupervisor(store, gateway),
        bridges=BridgeSupervisor(store, commands, start_session=start_from_chat, config_path=config_path, thread_store=state),
        state=state,
        config_path=config_path,
        demo_sessions=demo_sessions,
        demo_speed=args.demo_speed,
    )
    return _Opened(runtime, audit, lock)


def run_dashboard(args: argparse.Namespace) -> int:
    opened = open_runtime(args, demo=True)
    if isinstance(opened, int):
        return opened
    from tether_tui.app import TetherApp

    app = TetherApp(opened.runtime, exit_after_first_frame=args.exit_after_first_frame)
    try:
        app.run(headless=args.headless)
    finally:
        opened.close()
    return app.return_code or 0


def run_serve(args: argparse.Namespace) -> int:
    from tether_tui import serve

    if args.print_unit:
        print(serve.unit_text(args.config_file or args.config), end="")
        return 0
    opened = open_runtime(args, demo=False, log_stderr=args.log_stderr)
    if isinstance(opened, int):
        return opened
    try:
        return serve.run(opened.runtime)
    finally:
        opened.close()


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["hook"]:
        from tether_tui.hookclient import run

        return run(argv[1:], sys.stdin, sys.stdout, sys.stderr)
    args = build_parser().parse_args(argv)
    if args.command == "config":
        return config_command(args)
    if args.command == "paths":
        from tether_tui.machine import main as paths_main

        return paths_main(args.prepare)
    if args.command == "remote":
        from tether_tui import remote_setup

        found = remote_setup.find(_load(_config_path(args)), args.name)
        if found is None:
            print(f"tether-tui: no [remotes.{args.name}] in {_config_path(args)}", file=sys.stderr)
            return 2
        if args.action == "check":
            return remote_setup.check(found, sys.stdout)
        if not args.agents or set(args.agents) - {"claude", "codex", "gemini"}:
            print("tether-tui: name the agents whose hooks to install there: claude, codex, gemini", file=sys.stderr)
            return 2
        return remote_setup.setup(found, args.agents, sys.stdout)
    if args.command == "doctor":
        from tether_tui.doctor import run as doctor

        return doctor(_config_path(args), sys.stdout, project=args.project)
    if args.command == "setup":
        import asyncio

        from tether_tui.chat_setup import setup

        try:
            return asyncio.run(setup(args.platform, _config_path(args)))
        except KeyboardInterrupt:
            print("\nNothing written.")
            return 1
    if args.command == "serve":
        return run_serve(args)
    if args.command == "install-hooks":
        from tether_tui.install_hooks import main as install_main

        return install_main(args)
    return run_dashboard(args)


if __name__ == "__main__":
    raise SystemExit(main())
