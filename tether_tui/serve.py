"""``tether-tui serve``: the runtime with no screen, for a machine where no terminal stays open
(approve from the phone). It stops cleanly on SIGTERM, SIGINT and SIGHUP, and can print the
service definition that keeps it running: a systemd user unit, or a launchd agent on macOS."""

from __future__ import annotations

import asyncio
import logging
import os
import plistlib
import signal
import sys
from pathlib import Path

from tether_tui.paths import data_dir
from tether_tui.runtime import Runtime

log = logging.getLogger(__name__)

UNIT_NAME = "tether-tui"
LAUNCHD_LABEL = "dev.tether-tui.serve"


def run(runtime: Runtime) -> int:
    """Run until a signal ends it; 0 after a clean stop."""
    return asyncio.run(_serve(runtime))


async def _serve(runtime: Runtime) -> int:
    ending = asyncio.Event()
    received: list[int] = []

    def on_signal(signum: int) -> None:
        received.append(signum)
        ending.set()

    runtime.catch_signals(on_signal)
    try:
        await runtime.start()
        where = runtime.gateway.path if runtime.gateway is not None else f"no gateway: {runtime.gateway_error}"
        log.warning("serving (pid %d): hooks reach %s", os.getpid(), where)
        print(
            f"tether-tui serve: running (pid {os.getpid()}); agent hooks reach {where}; "
            f"log in {data_dir() / 'tether-tui.log'}. Stop with ctrl+c or: kill {os.getpid()}",
            file=sys.stderr,
            flush=True,
        )
        await ending.wait()
        log.warning("%s: stopping", signal.Signals(received[0]).name)
    finally:
        await runtime.stop()
        runtime.release_signals()
    return 0


def command_line(config: Path | None) -> list[str]:
    """How a service manager starts ``serve`` the way this process was started."""
    program = sys.argv[0]
    if program.endswith(("__main__.py", "cli.py")) or not os.path.exists(program):
        argv = [sys.executable, "-m", "tether_tui"]
    else:
        argv = [os.path.abspath(program)]
    argv.append("serve")
    if config is not None:
        argv += ["--config", str(config.expanduser().resolve())]
    return argv


def unit_text(config: Path | None = None, *, platform: str = sys.platform) -> str:
    """The service definition for this platform: a launchd agent on macOS, a systemd user unit
    elsewhere. Agents it starts see the environment it gives them: PATH is this shell's, so the
    agents found here are found there too."""
    argv = command_line(config)
    if platform == "darwin":
        return launchd_plist(argv)
    return systemd_unit(argv)


def systemd_unit(argv: list[str]) -> str:
    path = os.environ.get("PATH", "/usr/local/bin:/usr/bin:/bin")
    return f"""\
# tether-tui as a systemd user service. Install it with:
#   mkdir -p ~/.config/systemd/user
#   tether-tui serve --print-unit > ~/.config/systemd/user/{UNIT_NAME}.service
#   systemctl --user daemon-reload && systemctl --user enable --now {UNIT_NAME}
# Logs: journalctl --user -u {UNIT_NAME} (and {data_dir() / "tether-tui.log"}).
# Keep it running after logout: loginctl enable-linger $USER
# The agents it starts see this environment: add what they need (API keys, proxies) below as
# Environment= lines, or in a file named by EnvironmentFile=.
[Unit]
Description=tether-tui: supervise AI coding agents from chat
After=network-online.target
Wants=network-online.target

[Service]
Type=simple
ExecStart={" ".join(_systemd_word(word) for word in argv)} --log-stderr
Environment={_systemd_word("PATH=" + path)}
Restart=on-failure
RestartSec=5
KillSignal=SIGTERM
TimeoutStopSec=10

[Install]
WantedBy=default.target
"""


def _systemd_word(word: str) -> str:
    """One word of a unit file line: quoted when it must be, with ``%`` (a specifier) doubled."""
    word = word.replace("%", "%%")
    if word and not any(c in word for c in " \t\"'\\;$"):
        return word
    return '"' + word.replace("\\", "\\\\").replace('"', '\\"') + '"'


def launchd_plist(argv: list[str]) -> str:
    logs = data_dir()
    plist = {
        "Label": LAUNCHD_LABEL,
        "ProgramArguments": [*argv, "--log-stderr"],
        "RunAtLoad": True,
        "KeepAlive": {"SuccessfulExit": False},
        "EnvironmentVariables": {"PATH": os.environ.get("PATH", "/usr/local/bin:/usr/bin:/bin")},
        "StandardErrorPath": str(logs / "serve.err.log"),
        "StandardOutPath": str(logs / "serve.out.log"),
        "ExitTimeOut": 10,
    }
    body = plistlib.dumps(plist, sort_keys=False).decode()
    where = f"~/Library/LaunchAgents/{LAUNCHD_LABEL}.plist"
    header = (  # an XML comment: never two hyphens in a row inside it
        f"<!-- tether-tui as a launchd agent. Save this as {where}, then:\n  launchctl bootstrap gui/$(id -u) {where}\n-->\n"
    )
    first, _, rest = body.partition("\n")  # the XML declaration stays the first line
    return f"{first}\n{header}{rest}"
