"""``tether-tui paths``: what a dashboard on another machine asks of this one over ``ssh``
before it forwards this machine's gateway socket to itself. Prints one JSON object: the
version, the host name, the runtime folder and the socket path, and whether something answers
on that socket. ``--prepare`` also creates the runtime folder (0700, refused when it is not
ours) and removes a socket nobody answers on, so that ``ssh -R`` can bind it."""

from __future__ import annotations

import json
import socket
from typing import Any

from tether_tui import __version__
from tether_tui.paths import UnsafeRuntimeError, check_own_socket, ensure_runtime_dir, gateway_socket_path, socket_answers


def describe(*, prepare: bool = False) -> dict[str, Any]:
    path = gateway_socket_path()
    report: dict[str, Any] = {
        "version": __version__,
        "hostname": socket.gethostname(),
        "runtime_dir": str(path.parent),
        "gateway_socket": str(path),
    }
    try:
        if prepare:
            ensure_runtime_dir(path.parent)
        if path.exists() or path.is_symlink():
            check_own_socket(path)
            report["socket"] = "answering" if socket_answers(path, timeout=1.0) else "stale"
            if report["socket"] == "stale" and prepare:
                path.unlink()
                report["socket"] = "removed stale"
        else:
            report["socket"] = "none"
    except (UnsafeRuntimeError, OSError) as exc:
        report["error"] = str(exc)
    return report


def main(prepare: bool) -> int:
    report = describe(prepare=prepare)
    print(json.dumps(report))
    return 1 if "error" in report else 0
