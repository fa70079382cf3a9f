"""The terminal driver turns a burst of keys (a paste without bracketed paste) into one paste,
and leaves typing alone."""

from __future__ import annotations

import threading
import time

from textual import events
from textual.drivers.linux_driver import LinuxDriver

from tether_tui.app.driver import BURST, HOLD, BurstSafeDriver


def driver(monkeypatch) -> tuple[BurstSafeDriver, list]:
    sent: list = []
    monkeypatch.setattr(LinuxDriver, "send_message", lambda self, message: sent.append(message))
    made = BurstSafeDriver.__new__(BurstSafeDriver)
    made._held, made._held_since, made._lock, made._timer = [], 0.0, threading.Lock(), None
    return made, sent


def key(character: str) -> events.Key:
    return events.Key("enter" if character == "\n" else character, None if character == "\n" else character)


def test_a_burst_of_keys_arrives_as_one_paste_and_fires_no_key(monkeypatch):
    made, sent = driver(monkeypatch)
    for character in "approve all of these please\nand again a a a a":
        made.send_message(key(character))
    time.sleep(HOLD * 4)
    assert [type(m) for m in sent] == [events.Paste]
    assert sent[0].text == "approve all of these please\nand again a a a a"


def test_typing_and_key_repeat_stay_keys_in_order(monkeypatch):
    made, sent = driver(monkeypatch)
    for character in "hello":
        made.send_message(key(character))
    made.send_message(events.Key("down", None))  # a key that is not text lets the typed ones go first
    assert [m.key for m in sent] == ["h", "e", "l", "l", "o", "down"]
    for _ in range(3):  # key repeat: one key every 30 ms
        made.send_message(key("a"))
        time.sleep(HOLD * 2)
    assert [m.key for m in sent[6:]] == ["a", "a", "a"]
    for character in "x" * (BURST - 1):  # fast, but fewer than a burst: still keys
        made.send_message(key(character))
    time.sleep(HOLD * 4)
    assert [type(m) for m in sent[9:]] == [events.Key] * (BURST - 1)
