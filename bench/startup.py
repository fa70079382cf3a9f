"""Start-up: `tether-tui` process start to its first frame (headless), then exit.

Usage: python bench/startup.py [runs]
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 15
    exe = Path(sys.executable).with_name("tether-tui")
    with tempfile.TemporaryDirectory() as home:
        env = {**os.environ, "TETHER_TUI_CONFIG_DIR": home, "TETHER_TUI_DATA_DIR": home, "TETHER_TUI_RUNTIME_DIR": home}
        subprocess.run([str(exe), "--headless", "--exit-after-first-frame"], env=env, check=True)  # warm the disk cache
        times = []
        for _ in range(runs):
            started = time.perf_counter()
            subprocess.run([str(exe), "--headless", "--exit-after-first-frame"], env=env, check=True)
            times.append(time.perf_counter() - started)
    times.sort()
    print(f"tether-tui to first frame (headless, 3 demo agents), {runs} runs:")
    print(
        f"  median {statistics.median(times) * 1000:.0f} ms   p90 {times[int(len(times) * 0.9) - 1] * 1000:.0f} ms   max {times[-1] * 1000:.0f} ms"
    )
    print(f"  goal: under 1000 ms -> {'met' if statistics.median(times) < 1.0 else 'NOT met'}")


if __name__ == "__main__":
    main()
