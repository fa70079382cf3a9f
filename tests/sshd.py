"""A real OpenSSH server on 127.0.0.1 for the remote tests: throwaway host and user keys, and
the "remote" side given its own runtime folder (``SetEnv TETHER_TUI_RUNTIME_DIR``), so one
machine plays both ends. Needs Debian's openssh-server (``.ci/run`` installs it)."""

from __future__ import annotations

import asyncio
import contextlib
import getpass
import os
import shutil
import signal
import socket
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from tether_tui.config import RemoteSettings

SSHD = shutil.which("sshd") or "/usr/sbin/sshd"
MISSING = (
    "these tests need a real sshd: apt-get install openssh-server (Debian's package; "
    ".ci/run installs it), or set TETHER_TUI_TEST_SSHD to the sshd binary"
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def keygen(path: Path) -> None:
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(path)], check=True)


@dataclass
class Sshd:
    """One sshd; ``start``/``stop`` may be called again (the same port and keys)."""

    root: Path
    path_dirs: list[str] = field(default_factory=lambda: [str(Path(sys.executable).parent), "/usr/bin", "/bin"])
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    def __post_init__(self) -> None:
        self.binary = os.environ.get("TETHER_TUI_TEST_SSHD") or SSHD
        if not Path(self.binary).exists():
            raise RuntimeError(MISSING)
        self.root.mkdir(parents=True, exist_ok=True)
        self.remote_runtime = self.root / "remote-runtime"
        self.remote_home = self.root / "remote-home"
        self.remote_home.mkdir(exist_ok=True)
        self.host_key = self.root / "hostkey"
        self.user_key = self.root / "userkey"
        if not self.host_key.exists():
            keygen(self.host_key)
            keygen(self.user_key)
            (self.root / "authorized_keys").write_text(self.user_key.with_suffix(".pub").read_text())
        self.config = self.root / "sshd_config"
        self.config.write_text(
            f"Port {self.port}\nListenAddress 127.0.0.1\nHostKey {self.host_key}\n"
            f"AuthorizedKeysFile {self.root / 'authorized_keys'}\nPermitRootLogin prohibit-password\n"
            "PasswordAuthentication no\nKbdInteractiveAuthentication no\nUsePAM no\nStrictModes no\n"
            "StreamLocalBindUnlink yes\nAllowStreamLocalForwarding yes\n"
            f"PidFile {self.root / 'sshd.pid'}\n"
            f"SetEnv TETHER_TUI_RUNTIME_DIR={self.remote_runtime} PATH={':'.join(self.path_dirs)} HOME={self.remote_home}\n"
        )

    @property
    def user(self) -> str:
        return getpass.getuser()

    def ssh_args(self) -> list[str]:
        return [
            "-p", str(self.port), "-i", str(self.user_key), "-o", "StrictHostKeyChecking=no",
            "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR", "-o", "IdentitiesOnly=yes",
        ]  # fmt: skip

    def remote(self, name: str = "devbox") -> RemoteSettings:
        return RemoteSettings(name=name, destination=f"{self.user}@127.0.0.1", ssh_args=tuple(self.ssh_args()))

    def ssh(self, *command: str) -> list[str]:
        """argv running ``command`` on the "remote" over ssh."""
        return ["ssh", *self.ssh_args(), f"{self.user}@127.0.0.1", "--", *command]

    def _launch(self) -> subprocess.Popen[bytes]:
        Path("/run/sshd").mkdir(parents=True, exist_ok=True)  # privilege separation folder
        with open(self.root / "sshd.log", "ab") as log:
            return subprocess.Popen([self.binary, "-f", str(self.config), "-D", "-e"], stderr=log, start_new_session=True)

    async def start(self) -> None:
        self.process = await asyncio.to_thread(self._launch)
        for _ in range(100):
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                return
            if self.process.poll() is not None:
                raise RuntimeError(f"sshd exited: {(self.root / 'sshd.log').read_text()[-2000:]}")
            await asyncio.sleep(0.05)
        raise RuntimeError("sshd did not start listening")

    async def stop(self) -> None:
        """Stop sshd and every connection it serves (their processes share its session)."""
        if self.process is None:
            return
        # the per-connection processes first (once the listener is gone they belong to init)
        for child in _descendants(self.process.pid):
            with contextlib.suppress(ProcessLookupError):
                os.kill(child, signal.SIGKILL)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        await asyncio.to_thread(self.process.wait)
        self.process = None


def _descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError, ValueError, IndexError):
            stat = (entry / "stat").read_text()
            parent = int(stat.rsplit(")", 1)[1].split()[1])
            children.setdefault(parent, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found
