"""Where tether-tui keeps its files (platformdirs), and atomic writes of private files."""

from __future__ import annotations

import contextlib
import os
import socket
import stat
import tempfile
import warnings
from pathlib import Path

import platformdirs

APP_NAME = "tether-tui"


def config_dir() -> Path:
    return Path(os.environ.get("TETHER_TUI_CONFIG_DIR") or platformdirs.user_config_dir(APP_NAME))


def data_dir() -> Path:
    return Path(os.environ.get("TETHER_TUI_DATA_DIR") or platformdirs.user_data_dir(APP_NAME))


def runtime_dir() -> Path:
    """Where the gateway socket lives (``$XDG_RUNTIME_DIR/tether-tui`` on Linux)."""
    override = os.environ.get("TETHER_TUI_RUNTIME_DIR")
    if override:
        return Path(override)
    with warnings.catch_warnings():  # no XDG_RUNTIME_DIR: platformdirs falls back to /tmp/runtime-UID
        warnings.simplefilter("ignore")
        return Path(platformdirs.user_runtime_dir(APP_NAME))


def gateway_socket_path() -> Path:
    return runtime_dir() / "gateway.sock"


def default_config_path() -> Path:
    return config_dir() / "config.toml"


def default_audit_path() -> Path:
    return data_dir() / "audit.jsonl"


def ensure_private_dir(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


FOLDERS = {
    "data": ("TETHER_TUI_DATA_DIR", "the audit log, the saved sessions, the log"),
    "config": ("TETHER_TUI_CONFIG_DIR", "config.toml"),
    "runtime": ("TETHER_TUI_RUNTIME_DIR", "the hooks' socket and the lock"),
}


def folder_of(kind: str) -> Path:
    return {"data": data_dir, "config": config_dir, "runtime": runtime_dir}[kind]()


def folder_problem(kind: str, *, make: bool = False) -> str | None:
    """Why tether-tui's ``kind`` folder (data, config, runtime) cannot be used, in one line with
    the fix; None when it can. ``make``: create it (else only check that it could be made)."""
    path = folder_of(kind)
    variable, holds = FOLDERS[kind]
    try:
        if make:
            ensure_private_dir(path)
        else:
            existing = path
            while not existing.exists():
                existing = existing.parent
            if not existing.is_dir():
                raise NotADirectoryError(20, "Not a directory", str(existing))
        target = path if path.exists() else existing
        if not os.access(target, os.W_OK | os.X_OK):
            raise PermissionError(13, "Permission denied", str(target))
    except OSError as exc:
        reason = exc.strerror or str(exc)
        where = f" ({exc.filename} is in the way)" if exc.filename and str(exc.filename) != str(path) else ""
        return f"the {kind} folder {path} cannot be used: {reason}{where}; it holds {holds}. Set {variable} to a folder you may write to"
    return None


class UnsafeRuntimeError(RuntimeError):
    """The runtime folder or the socket in it could have been put there by another user."""


def check_private_dir(path: Path) -> None:
    """Refuse a folder that another user owns or may write to: a socket found there could be
    theirs. Raises :class:`UnsafeRuntimeError` saying what is wrong and how to fix it."""
    info = path.lstat()
    if stat.S_ISLNK(info.st_mode):
        info = path.stat()
    if not stat.S_ISDIR(info.st_mode):
        raise UnsafeRuntimeError(f"{path} is not a folder")
    if info.st_uid != os.geteuid():
        raise UnsafeRuntimeError(f"{path} belongs to another user (uid {info.st_uid}); use a folder of your own")
    if info.st_mode & 0o022:
        raise UnsafeRuntimeError(f"{path} may be written by other users; run: chmod 700 {path}")


def check_own_socket(path: Path) -> None:
    """Refuse a socket that is not ours (the folder is checked as well)."""
    check_private_dir(path.parent)
    info = path.lstat()
    if not stat.S_ISSOCK(info.st_mode):
        raise UnsafeRuntimeError(f"{path} is not a socket")
    if info.st_uid != os.geteuid():
        raise UnsafeRuntimeError(f"{path} belongs to another user (uid {info.st_uid})")


def socket_answers(path: Path, timeout: float = 0.5) -> bool:
    """Does something accept connections on the Unix socket at ``path``?"""
    probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    probe.settimeout(timeout)
    try:
        probe.connect(str(path))
        return True
    except OSError:
        return False
    finally:
        probe.close()


def ensure_runtime_dir(path: Path) -> Path:
    """Create the runtime folder (0700), or check that an existing one is ours and closed to
    others (tightening our own to 0700)."""
    if not path.exists():
        path.mkdir(parents=True, mode=0o700)
    info = path.stat()
    if stat.S_ISDIR(info.st_mode) and info.st_uid == os.geteuid() and info.st_mode & 0o077:
        path.chmod(0o700)
    check_private_dir(path)
    return path


def write_private_atomic(path: Path, data: str | bytes) -> None:
    """Write a file readable by its owner only, so that a crash leaves the old or the new
    content, never a half-written file."""
    ensure_private_dir(path.parent)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
