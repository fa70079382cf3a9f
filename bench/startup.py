"""Start-up: `tether-tui` process start to its first frame (headless, the demo), then exit; side
by side with the floor, a minimal Textual app that does the same (bench/floor_app.py), runs
interleaved so that both see the same machine.

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

GOAL_RATIO = 1.2


def timed(command: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 15
    exe = Path(sys.executable).with_name("tether-tui")
    floor = [sys.executable, str(Path(__file__).with_name("floor_app.py"))]
    with tempfile.TemporaryDirectory() as home:
        env = {**os.environ, "TETHER_TUI_CONFIG_DIR": home, "TETHER_TUI_DATA_DIR": home, "TETHER_TUI_RUNTIME_DIR": home}
        ours_command = [str(exe), "--headless", "--exit-after-first-frame"]
        timed(ours_command, env)  # warm the disk caches
        timed(floor, env)
        ours, floors = [], []
        for _ in range(runs):
            ours.append(timed(ours_command, env))
            floors.append(timed(floor, env))
    ratio = statistics.median(ours) / statistics.median(floors)
    print(f"first frame (headless), {runs} runs each, interleaved:")
    for name, times in (("tether-tui (3 demo agents)", ours), ("minimal Textual app", floors)):
        times.sort()
        print(f"  {name:<28} median {statistics.median(times) * 1000:5.0f} ms   max {times[-1] * 1000:5.0f} ms")
    print(f"  ratio {ratio:.2f}x the floor; goal at most {GOAL_RATIO}x -> {'met' if ratio <= GOAL_RATIO else 'NOT met'}")


if __name__ == "__main__":
    main()
