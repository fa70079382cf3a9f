"""Text an agent sent, made safe to show on a terminal or in a chat.

What an agent sends is any JSON string: it may hold lone surrogates (which no UTF-8 output can
carry: a terminal write or a chat library's request would fail on them), and control characters
(an escape sequence in a command would reach the terminal that shows it and could redraw or hide
what the user reads). Shown text gets a visible stand-in for each: ``U+FFFD`` for a lone
surrogate, the Unicode control pictures (``␛``, ``␀``, …) for C0 controls and DEL, ``\\x85``-style
escapes for C1 controls. What is judged and audited is always the original.
"""

from __future__ import annotations

import re

_UNSHOWABLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")
_UNSHOWABLE_ONE_LINE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")


def _stand_in(match: re.Match[str]) -> str:
    char = match.group()
    code = ord(char)
    if 0xD800 <= code <= 0xDFFF:
        return "\ufffd"
    if code < 0x20:
        return chr(0x2400 + code)  # ␀ … ␟
    if code == 0x7F:
        return "\u2421"  # ␡
    if code in (0x2028, 0x2029):
        return " "
    return f"\\x{code:02x}"


def printable(text: str, *, one_line: bool = False) -> str:
    """``text`` with every character a screen or a chat cannot show safely replaced by a visible
    stand-in. Newlines and tabs are kept unless ``one_line``."""
    pattern = _UNSHOWABLE_ONE_LINE if one_line else _UNSHOWABLE
    return pattern.sub(_stand_in, text) if pattern.search(text) else text


_SURROGATE = re.compile("[\ud800-\udfff]")
_NOT_ONE_UTF8_LINE = re.compile("[\x85\u2028\u2029\ud800-\udfff]")


def has_lone_surrogate(text: str) -> bool:
    """True when ``text`` holds a surrogate code point (valid in a JSON string, never in UTF-8)."""
    return bool(_SURROGATE.search(text))


def utf8_json_line(line: str) -> str:
    """A JSON text made by ``json.dumps(..., ensure_ascii=False)`` with what UTF-8 cannot hold
    (lone surrogates) and what some readers take for a line break (U+0085, U+2028, U+2029)
    written as JSON escapes: still the same JSON value, one line of valid UTF-8. Such characters
    only ever occur inside JSON strings, where an escape means the same character."""
    return _NOT_ONE_UTF8_LINE.sub(lambda m: f"\\u{ord(m.group()):04x}", line)
