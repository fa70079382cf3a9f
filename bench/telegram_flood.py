"""Telegram flood: 20 sessions x 1,000 lines/s for 10 s through the bridge, against the fake Bot
API with its limits on (about 1/s per chat with a small burst, 20 per minute per group, 30/s
overall). An approval is asked in the middle of the flood.

Reports: 429 answers; sends per minute to the group; how long the approval took to reach the
chat; how long after the flood until every topic shows its last line; whether the store kept
every line within its cap; resident memory.

Usage: python bench/telegram_flood.py [sessions] [lines_per_second] [seconds]
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
for variable in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
    os.environ.pop(variable, None)

from bridges import TelegramBridge  # noqa: E402
from runners.demo import DemoRunner  # noqa: E402
from tests.fakes.telegram_api import FakeTelegram  # noqa: E402
from common import most_in_window, rss_mb, shown_per_thread  # noqa: E402
from tether_tui.store import SessionStore  # noqa: E402


async def run(sessions: int, rate: float, seconds: float) -> None:
    fake = FakeTelegram()
    await fake.start()
    store = SessionStore()
    bridge = TelegramBridge(fake.token, fake.group_id, store=store, data_dir=tempfile.mkdtemp(),
                            base_url=fake.base_url, allowed_user_ids=[1001], poll_timeout=5)
    await bridge.start()
    ids = [f"flood-{n:02d}" for n in range(sessions)]
    for session_id in ids:
        store.add_session(session_id, f"flood {session_id}")
    await fake.wait_for(lambda: len(fake.topics) == sessions, 120)
    # topics normally exist already (the mapping is kept across restarts): let their creation
    # leave the group's one-minute window before the flood starts
    await asyncio.sleep(61)
    fake.send_times.clear()
    peak = rss_mb()
    runners = []
    started = time.monotonic()
    for session_id in ids:
        runner = DemoRunner(store, lines_per_second=rate, flood_seconds=seconds)
        runners.append(runner)
        await runner.start(session_id, "", 0)

    await asyncio.sleep(seconds / 2)
    asked = time.monotonic()
    store.approvals.submit(ids[0], "Bash", {"command": "make deploy"}, request_id="req_flood")
    await fake.wait_for(lambda: any("make deploy" in m.text for m in fake.bot_messages()), 120)
    approval_delay = time.monotonic() - asked

    while any(not store.session(i).state.is_final for i in ids):
        peak = max(peak, rss_mb())
        await asyncio.sleep(0.2)
    flood_end = time.monotonic()

    def last_line(session_id: str) -> str:
        return store.output(session_id).lines()[-1]

    def all_caught_up() -> bool:
        topics = {bridge.threads.thread_of(i): last_line(i) for i in ids}
        shown = shown_per_thread(fake.bot_messages())
        return all(line.split(" ·")[0] in shown.get(int(thread), "") for thread, line in topics.items())

    await fake.wait_for(all_caught_up, 300)
    catch_up = time.monotonic() - flood_end
    peak = max(peak, rss_mb())

    written = sum(store.output(i).next_seq for i in ids)
    cap = store.config.history.max_lines
    kept_ok = all(len(store.output(i)) == min(cap, store.output(i).next_seq) for i in ids)
    group_sends = [t for t, _ in fake.send_times]
    span = (group_sends[-1] - group_sends[0]) / 60 if len(group_sends) > 1 else 1
    per_minute_max = most_in_window(group_sends)
    print(f"flood: {sessions} sessions x {rate:g} lines/s x {seconds:g} s = {written:,} lines ({time.monotonic() - started:.0f} s in all)")
    print(f"429 answers: {fake.too_many}   rejected messages: {len(fake.rejected)}")
    print(f"sends+edits to the group: {len(group_sends)} over {span:.1f} min; most in any 60 s: {per_minute_max} (limit 20)")
    print(f"approval asked mid-flood reached the chat after {approval_delay:.1f} s (goal < 5 s)")
    print(f"every topic showed its last line {catch_up:.1f} s after the flood (goal < 60 s)")
    print(f"store kept every line within its cap ({cap}/session): {'yes' if kept_ok else 'NO'}")
    print(f"resident memory: peak {peak:.0f} MB")
    await bridge.stop()
    await fake.stop()


def main() -> None:
    args = [float(a) for a in sys.argv[1:]]
    sessions, rate, seconds = (args + [20, 1000, 10][len(args):])[:3]
    asyncio.run(run(int(sessions), rate, seconds))


if __name__ == "__main__":
    main()
