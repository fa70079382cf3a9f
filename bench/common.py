"""Helpers the benchmarks share."""

from __future__ import annotations


def rss_mb() -> float:
    """Resident memory of this process, in MB."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")
