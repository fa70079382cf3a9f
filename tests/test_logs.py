from __future__ import annotations

import logging

from tether_tui.logs import setup_logging


def test_tokens_never_reach_the_log_file(tmp_path):
    path = tmp_path / "logs" / "tether-tui.log"
    redactor = setup_logging(path, ["my-configured-secret"])
    try:
        log = logging.getLogger("httpx")
        log.info('HTTP Request: POST https://api.telegram.org/bot123456789:AAE0abcdefghijklmnopqrstuvwxyz12345/getUpdates "200 OK"')
        log.warning("token is %s", "my-configured-secret")
        log.info("slack %s", "xoxb-1234567890-abcdefghij")
        try:
            raise RuntimeError("failed with xapp-1-A0123456789-secretpart")
        except RuntimeError:
            log.exception("boom")
    finally:
        for handler in logging.getLogger().handlers:
            handler.flush()
    text = path.read_text()
    for secret in ("AAE0abcdef", "my-configured-secret", "xoxb-1234567890", "xapp-1-A0123456789"):
        assert secret not in text
    assert text.count("[redacted]") >= 4 and "getUpdates" in text
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    logging.getLogger().handlers.clear()
    del redactor


def test_rotated_logs_stay_private_and_reloaded_tokens_are_masked(tmp_path):
    path = tmp_path / "logs" / "tether-tui.log"
    config = {"token": "first-token-value"}
    redactor = setup_logging(path, [])
    redactor.track(lambda: [config["token"]])
    handler = logging.getLogger().handlers[0]
    handler.maxBytes = 2000
    log = logging.getLogger("bridges")
    try:
        for index in range(60):
            log.warning("line %d %s", index, "x" * 80)
        config["token"] = "token-from-a-reload"
        log.warning("connecting with token-from-a-reload")
        log.warning("discord MTA1NjI0NzA1ODk2NDc5NzQ0MA.GxYz12.abcdefghijklmnopqrstuvwxyz0123")
        log.warning("discord ODA1NjI0NzA1ODk2NDc5NzQ0MA.Gabcde.abcdefghijklmnopqrstuvwxyz0123")
    finally:
        handler.flush()
        logging.getLogger().handlers.clear()
    files = sorted(path.parent.glob("tether-tui.log*"))
    assert len(files) == 4  # the live file and three rotated ones
    for file in files:
        assert oct(file.stat().st_mode & 0o777) == "0o600", file
    text = path.read_text()
    assert "token-from-a-reload" not in text and "abcdefghijklmnopqrstuvwxyz0123" not in text
