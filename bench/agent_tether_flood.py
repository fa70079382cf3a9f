"""The Telegram flood of bench/bridge_flood.py telegram through agent-tether 0.4.2's TelegramBridge,
against the same fake Bot API with the same limits, for a side-by-side comparison.

agent-tether is not a dependency of this project: on first use this script makes its own venv
(bench/.venv-agent-tether) with agent-tether[telegram]==0.4.2 and runs itself there.

Usage: python bench/agent_tether_flood.py [sessions] [lines_per_second] [seconds]
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
VENV = HERE / ".venv-agent-tether"


def ensure_venv() -> None:
    try:
        import agent_tether  # noqa: F401
        import aiohttp  # noqa: F401

        return
    except ImportError:
        pass
    python = VENV / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
        subprocess.run(
            [str(python), "-m", "pip", "install", "-q", "agent-tether[telegram]==0.4.2", "python-telegram-bot==22.8", "aiohttp"], check=True
        )
    os.execv(str(python), [str(python), __file__, *sys.argv[1:]])


async def run(sessions: int, rate: float, seconds: float) -> None:
    sys.path.insert(0, str(HERE.parent))
    sys.path.insert(0, str(HERE))
    from agent_tether.base import BridgeConfig
    from agent_tether.manager import BridgeManager
    from agent_tether.subscriber import BridgeSubscriber
    from agent_tether.telegram.bot import TelegramBridge
    from common import most_in_window, rss_mb, shown_per_thread
    from telegram.ext import ApplicationBuilder

    from tests.fakes.telegram_api import FakeTelegram

    fake = FakeTelegram()
    await fake.start()
    # agent-tether builds its Application with api.telegram.org fixed: point the builder at the fake
    original_token = ApplicationBuilder.token
    ApplicationBuilder.token = lambda self, token: original_token(self, token).base_url(fake.base_url)  # type: ignore[method-assign]

    bridge = TelegramBridge(fake.token, fake.group_id, config=BridgeConfig(data_dir=tempfile.mkdtemp()))
    await bridge.start()
    manager = BridgeManager()
    manager.register_bridge("telegram", bridge)
    queues: dict[str, asyncio.Queue] = {}

    def new_subscriber(session_id: str) -> asyncio.Queue:
        return queues.setdefault(session_id, asyncio.Queue())

    subscriber = BridgeSubscriber(manager, new_subscriber, lambda s, q: None)
    ids = [f"flood-{n:02d}" for n in range(sessions)]
    for session_id in ids:
        await bridge.create_thread(session_id, f"flood {session_id}")
        await asyncio.sleep(1.1)  # agent-tether does not pace topic creation itself
        subscriber.subscribe(session_id, "telegram")
    await asyncio.sleep(61)  # as in our run: topic creation leaves the one-minute window first
    fake.send_times.clear()
    fake.too_many = 0
    peak = rss_mb()

    last_line: dict[str, str] = {}

    async def flood(session_id: str) -> None:
        loop = asyncio.get_running_loop()
        started = loop.time()
        counter = 0
        tick = 0.05
        while loop.time() - started < seconds:
            burst = int(rate * tick)
            lines = [f"{session_id} line {counter + i} " + "·" * 40 for i in range(burst)]
            counter += burst
            last_line[session_id] = lines[-1].split(" ·")[0]
            queues[session_id].put_nowait({"type": "output", "data": {"text": "\n".join(lines) + "\n"}})
            await asyncio.sleep(tick)

    flooding = [asyncio.create_task(flood(i)) for i in ids]
    await asyncio.sleep(seconds / 2)
    asked = time.monotonic()
    queues[ids[0]].put_nowait(
        {"type": "permission_request", "data": {"request_id": "req_flood", "tool_name": "Bash", "tool_input": {"command": "make deploy"}}}
    )
    approval_delay: float | None = None
    await asyncio.gather(*flooding)
    flood_end = time.monotonic()
    written = sessions * int(rate * 0.05) * int(seconds / 0.05)

    def caught_up() -> bool:
        shown = "\n".join(shown_per_thread(fake.bot_messages()).values())
        return all(line in shown for line in last_line.values())

    deadline = flood_end + 300
    catch_up: float | None = None
    while time.monotonic() < deadline:
        if approval_delay is None and any("make deploy" in m.text for m in fake.bot_messages()):
            approval_delay = time.monotonic() - asked
        if caught_up():
            catch_up = time.monotonic() - flood_end
            break
        peak = max(peak, rss_mb())
        await asyncio.sleep(0.2)
    delivered = sum(m.text.count(" line ") for m in fake.bot_messages())
    group_sends = [t for t, _ in fake.send_times]
    print(f"agent-tether 0.4.2 flood: {sessions} sessions x {rate:g} lines/s x {seconds:g} s = {written:,} lines")
    print(f"429 answers: {fake.too_many}   rejected messages: {len(fake.rejected)}")
    if fake.rejected:
        print(f"  first rejection: {fake.rejected[0][1]}")
    print(f"sends+edits accepted by the group: {len(group_sends)}; most in any 60 s: {most_in_window(group_sends)} (limit 20)")
    print(f"lines visible in the chat: {delivered:,} of {written:,}")
    print(
        "approval asked mid-flood reached the chat after "
        + (f"{approval_delay:.1f} s" if approval_delay is not None else "— never (within 5 min)")
    )
    print("every topic showed its last line " + (f"{catch_up:.1f} s after the flood" if catch_up is not None else "— never (within 5 min)"))
    print(f"resident memory: peak {peak:.0f} MB")
    os._exit(0)  # agent-tether's background tasks do not all stop cleanly


def main() -> None:
    ensure_venv()
    for variable in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        os.environ.pop(variable, None)
    args = [float(a) for a in sys.argv[1:]]
    sessions, rate, seconds = (args + [20, 1000, 10][len(args) :])[:3]
    asyncio.run(run(int(sessions), rate, seconds))


if __name__ == "__main__":
    main()
