"""Helpers the benchmarks share."""

from __future__ import annotations


def rss_mb() -> float:
    """Resident memory of this process, in MB."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def most_in_window(times: list[float], window: float = 60.0) -> int:
    """The most events inside any ``window`` seconds."""
    best = 0
    start = 0
    for end, moment in enumerate(times):
        while moment - times[start] >= window:
            start += 1
        best = max(best, end - start + 1)
    return best


def shown_per_thread(messages) -> dict[int, str]:  # type: ignore[no-untyped-def]
    """Everything the fake chat shows, per forum topic."""
    shown: dict[int, str] = {}
    for message in messages:
        if message.thread_id is not None:
            shown[message.thread_id] = shown.get(message.thread_id, "") + "\n" + message.text
    return shown
