"""Chat flood: 20 sessions x 1,000 lines/s for 10 s through one bridge, against that platform's
fake with its limits on, and an approval asked in the middle of the flood.

- telegram: about 1 message/s per chat with a small burst, 20 a minute per group, 30/s overall
- slack: chat.postMessage about 1/s per channel (bursts of 4), chat.update 50 a minute
- discord: 5 messages or edits per 5 s in each channel (a thread is one)

Reports: 429 answers; sends and edits accepted, and the most in any 60 s; how long the approval
took to reach the chat; how long after the flood until every thread shows its session's last
line; whether the store kept every line within its cap; resident memory.

With several platforms (``slack,discord`` or ``all``) every bridge is attached to the one store at
once, as in the dashboard: each is paced by its own platform, none waits for another.

Usage: python bench/bridge_flood.py telegram|slack|discord|all [sessions] [lines_per_second] [seconds]
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
for variable in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
    os.environ.pop(variable, None)

from common import most_in_window, rss_mb  # noqa: E402

from bridges import DiscordBridge, SlackBridge, TelegramBridge  # noqa: E402
from bridges.base import ChatBridge  # noqa: E402
from runners.demo import DemoRunner  # noqa: E402
from tests.fakes import discord_api, slack_api  # noqa: E402
from tests.fakes.discord_api import FakeDiscord  # noqa: E402
from tests.fakes.slack_api import FakeSlack  # noqa: E402
from tests.fakes.telegram_api import FakeTelegram  # noqa: E402
from tether_tui.store import SessionStore  # noqa: E402


@dataclass
class Platform:
    fake: Any
    bridge: ChatBridge
    shown: Callable[[], dict[str, str]]
    """Everything the fake chat shows, per thread."""
    settle: float
    """Seconds to wait after the threads exist, so their creation leaves the platform's window."""
    limits: str


def _joined(pairs: list[tuple[Any, str]]) -> dict[str, str]:
    shown: dict[str, str] = {}
    for thread, text in pairs:
        if thread is not None:
            shown[str(thread)] = shown.get(str(thread), "") + "\n" + text
    return shown


async def telegram(store: SessionStore, data: str) -> Platform:
    fake = FakeTelegram()
    await fake.start()
    bridge = TelegramBridge(
        fake.token, fake.group_id, store=store, data_dir=data, allowed_user_ids=[1001], poll_timeout=5, base_url=fake.base_url
    )
    return Platform(fake, bridge, lambda: _joined([(m.thread_id, m.text) for m in fake.bot_messages()]), 61.0, "20 a minute per group")


async def slack(store: SessionStore, data: str) -> Platform:
    fake = FakeSlack()
    await fake.start()
    bridge = SlackBridge(
        fake.bot_token,
        fake.channel,
        app_token=fake.app_token,
        store=store,
        data_dir=data,
        allowed_user_ids=[slack_api.ALICE["id"]],
        api_url=fake.api_url,
    )
    return Platform(
        fake,
        bridge,
        lambda: _joined([(m.thread_ts, m.shown) for m in fake.bot_messages()]),
        5.0,
        "postMessage ~60 a minute per channel, update 50 a minute",
    )


async def discord(store: SessionStore, data: str) -> Platform:
    fake = FakeDiscord()
    await fake.start()
    bridge = DiscordBridge(
        fake.token,
        discord_api.CHANNEL,
        store=store,
        data_dir=data,
        guild_ready_timeout=0.05,
        allowed_user_ids=[int(discord_api.ALICE["id"])],
        api_url=fake.api_url,
        gateway_url=fake.gateway_url,
    )
    return Platform(
        fake, bridge, lambda: _joined([(m.channel_id, m.content) for m in fake.bot_messages()]), 5.0, "5 per 5 s in each thread"
    )


PLATFORMS = {"telegram": telegram, "slack": slack, "discord": discord}


async def run(names: list[str], sessions: int, rate: float, seconds: float) -> None:
    store = SessionStore()
    platforms = {name: await PLATFORMS[name](store, tempfile.mkdtemp()) for name in names}
    for platform in platforms.values():
        await platform.bridge.start()
    ids = [f"flood-{n:02d}" for n in range(sessions)]
    for session_id in ids:
        store.add_session(session_id, f"flood {session_id}")
    for platform in platforms.values():
        await platform.fake.wait_for(lambda p=platform: all(p.bridge.threads.thread_of(i) for i in ids), 120)
    await asyncio.sleep(max(p.settle for p in platforms.values()))
    for platform in platforms.values():
        platform.fake.send_times.clear()
    peak = rss_mb()
    started = time.monotonic()
    for session_id in ids:
        await DemoRunner(store, lines_per_second=rate, flood_seconds=seconds).start(session_id, "", 0)

    await asyncio.sleep(seconds / 2)
    asked = time.monotonic()
    store.approvals.submit(ids[0], "Bash", {"command": "make deploy"}, request_id="req_flood")

    async def shown_after(platform: Platform, predicate: Callable[[], bool]) -> float:
        await platform.fake.wait_for(predicate, 300)
        return time.monotonic()

    approval_at = asyncio.gather(
        *(shown_after(p, lambda p=p: any("make deploy" in text for text in p.shown().values())) for p in platforms.values())
    )
    while any(not store.session(i).state.is_final for i in ids):
        peak = max(peak, rss_mb())
        await asyncio.sleep(0.2)
    flood_end = time.monotonic()

    def caught_up(platform: Platform) -> bool:
        shown = platform.shown()
        return all(store.output(i).lines()[-1].split(" ·")[0] in shown.get(platform.bridge.threads.thread_of(i) or "", "") for i in ids)

    caught_up_at = await asyncio.gather(*(shown_after(p, lambda p=p: caught_up(p)) for p in platforms.values()))
    approvals = await approval_at
    peak = max(peak, rss_mb())

    written = sum(store.output(i).next_seq for i in ids)
    cap = store.config.history.max_lines
    kept_ok = all(len(store.output(i)) == min(cap, store.output(i).next_seq) for i in ids)
    print(
        f"{'+'.join(names)} flood: {sessions} sessions x {rate:g} lines/s x {seconds:g} s = {written:,} lines "
        f"({time.monotonic() - started:.0f} s in all)"
    )
    for (name, platform), approval, caught in zip(platforms.items(), approvals, caught_up_at, strict=False):
        fake = platform.fake
        sends = [t for t, _ in fake.send_times]
        span = (sends[-1] - sends[0]) / 60 if len(sends) > 1 else 0.0
        print(f"[{name}] 429 answers: {fake.too_many}   rejected messages: {len(fake.rejected)}")
        print(
            f"[{name}] sends+edits accepted: {len(sends)} over {span:.1f} min; most in any 60 s: {most_in_window(sends)} ({platform.limits})"
        )
        print(f"[{name}] approval asked mid-flood reached the chat after {approval - asked:.1f} s (goal < 5 s)")
        print(f"[{name}] every thread showed its last line {caught - flood_end:.1f} s after the flood (goal < 60 s)")
    print(f"store kept every line within its cap ({cap}/session): {'yes' if kept_ok else 'NO'}")
    print(f"resident memory: peak {peak:.0f} MB")
    for platform in platforms.values():
        await platform.bridge.stop()
        await platform.fake.stop()


def main() -> None:
    names = list(PLATFORMS) if sys.argv[1:2] == ["all"] else sys.argv[1].split(",") if len(sys.argv) > 1 else []
    if not names or any(name not in PLATFORMS for name in names):
        sys.exit(__doc__)
    args = [float(a) for a in sys.argv[2:]]
    sessions, rate, seconds = (args + [20, 1000, 10][len(args) :])[:3]
    asyncio.run(run(names, int(sessions), rate, seconds))


if __name__ == "__main__":
    main()
