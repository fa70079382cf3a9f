"""Each platform's library is optional: ``import bridges`` works without it, and constructing
that bridge says which extra to install."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    ("library", "construct", "extra"),
    [
        ("telegram", "TelegramBridge('1:x', -1)", "telegram"),
        ("slack_bolt", "SlackBridge('xoxb-x', 'C1', app_token='xapp-x')", "slack"),
        ("discord", "DiscordBridge('x', 1)", "discord"),
    ],
)
def test_without_the_extra_constructing_the_bridge_names_it(library, construct, extra):
    code = (
        f"import sys; sys.modules[{library!r}] = None\n"
        "import bridges\n"
        f"from bridges import {construct.split('(')[0]}\n"
        f"try:\n    {construct}\nexcept ImportError as exc:\n    print(exc)\n"
        "print(sorted(m for m in ('telegram', 'slack_bolt', 'slack_sdk', 'discord') if sys.modules.get(m)))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert f"pip install 'tether-tui[{extra}]'" in result.stdout
    assert result.stdout.strip().endswith("[]")  # importing bridges loaded no chat library
