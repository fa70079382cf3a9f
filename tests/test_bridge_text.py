"""Platform-free pieces of the bridges: approvals in words, pairing codes, Markdown chunking."""

from __future__ import annotations

import json
import stat

from hypothesis import given, settings
from hypothesis import strategies as st

from bridges.markup import DiscordMarkdown, SlackMrkdwn, TelegramHtml, chunk_markdown
from bridges.pairing import GLOBAL_WINDOW_SECONDS, GLOBAL_WRONG_LIMIT, LOCKOUT_SECONDS, Pairing, PairResult
from bridges.replies import TextDecision, parse_text_decision


def test_text_decisions():
    assert parse_text_decision("allow") == TextDecision(True)
    assert parse_text_decision("Approve.") == TextDecision(True)
    assert parse_text_decision("deny") == TextDecision(False)
    assert parse_text_decision("deny: use the staging db") == TextDecision(False, reason="use the staging db")
    assert parse_text_decision("Deny - not on main\nplease") == TextDecision(False, reason="not on main\nplease")
    assert parse_text_decision("allow all") == TextDecision(True, timer="all")
    assert parse_text_decision("allow dir") == TextDecision(True, timer="dir")
    assert parse_text_decision("allow folder") == TextDecision(True, timer="dir")
    assert parse_text_decision("allow Bash") == TextDecision(True, timer="tool", tool="Bash")
    for not_a_decision in ("", "allowed", "please allow it now", "deny:", "run the tests", "yes"):
        assert parse_text_decision(not_a_decision) is None, not_a_decision


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_pairing_one_time_code_lockout_and_persistence(tmp_path):
    shown: list[str] = []
    clock = Clock()
    path = tmp_path / "paired.json"
    pairing = Pairing(path, on_code=shown.append, clock=clock)
    first = pairing.code
    assert shown == [first] and len(first) == 9
    assert pairing.attempt("u1", "0000-0000" if first != "0000-0000" else "1111-1111") is PairResult.WRONG
    assert pairing.attempt("u1", first.replace("-", " ")) is PairResult.PAIRED
    assert "u1" in pairing.paired and pairing.code != first and shown[-1] == pairing.code
    assert pairing.attempt("u2", first) is PairResult.WRONG  # used once: gone
    assert pairing.attempt("u1", "anything") is PairResult.ALREADY
    assert list(json.loads(path.read_text())["paired"]) == ["u1"]
    assert stat.S_IMODE(path.stat().st_mode) == 0o600

    # three wrong codes lock a user out, even from the right one, until the lockout ends
    assert pairing.attempt("u3", "1") is PairResult.WRONG
    assert pairing.attempt("u3", "2") is PairResult.WRONG
    assert pairing.attempt("u3", "3") is PairResult.LOCKED
    assert pairing.attempt("u3", pairing.code) is PairResult.LOCKED
    clock.now += LOCKOUT_SECONDS + 1
    assert pairing.attempt("u3", pairing.code) is PairResult.PAIRED

    # wrong guesses from others never replace the code or count against anyone else
    code = pairing.code
    for index in range(GLOBAL_WRONG_LIMIT):
        pairing.attempt(f"guesser{index}", "9")
    assert pairing.code == code

    assert set(Pairing(path, code="1234-5678").paired) == {"u1", "u3"}
    # a code is only taken while one is offered
    closed = Pairing(path, code="1234-5678")
    closed.offered = False
    assert closed.attempt("u9", "1234-5678") is PairResult.CLOSED and closed.attempt("u1", "x") is PairResult.ALREADY
    path.write_text('{"paired": ["u7"]}')  # the first format: ids alone
    assert list(Pairing(path).paired) == ["u7"]
    path.write_text("{not json")
    assert Pairing(path).paired == {}


def test_strangers_guessing_never_lock_out_or_invalidate_the_owner(tmp_path):
    clock = Clock()
    pairing = Pairing(tmp_path / "p.json", clock=clock)
    code = pairing.code
    wrong = "0000-0000" if code != "0000-0000" else "1111-1111"
    # four strangers, three wrong guesses each (the case that used to replace the code)
    for stranger in range(4):
        results = [pairing.attempt(f"stranger{stranger}", wrong) for _ in range(3)]
        assert results[-1] is PairResult.LOCKED
    assert pairing.code == code
    # a crowd of strangers fills the global window: those who failed wait, nobody else is blamed
    for stranger in range(GLOBAL_WRONG_LIMIT):
        pairing.attempt(f"crowd{stranger}", wrong)
    assert pairing.attempt("crowd0", wrong) is PairResult.BUSY
    assert pairing.seconds_until_room() > 0
    # the owner's first attempt is checked all the same, and it is right
    assert pairing.attempt("owner", code) is PairResult.PAIRED
    # an owner who mistyped once waits for room, without a lockout strike
    second = pairing.code
    assert pairing.attempt("owner2", wrong) is PairResult.WRONG
    for _ in range(5):
        assert pairing.attempt("owner2", second) is PairResult.BUSY
    clock.now += GLOBAL_WINDOW_SECONDS + 1
    assert pairing.attempt("owner2", second) is PairResult.PAIRED


def test_given_pairing_code_is_replaced_after_use(tmp_path):
    pairing = Pairing(tmp_path / "p.json", code="4242-4242")
    assert pairing.attempt("u", "42424242") is PairResult.PAIRED
    assert pairing.code != "4242-4242"


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.one_of(st.text(alphabet="abc xyz`~", max_size=150), st.sampled_from(["```", "```python", "~~~", "````"])),
        max_size=60,
    ),
    st.integers(min_value=40, max_value=400),
)
def test_markdown_chunks_fit_and_every_code_block_is_closed(lines, budget):
    text = "\n".join(lines)
    chunks = chunk_markdown(text, budget)
    for chunk in chunks:
        assert len(chunk) <= budget
        assert _fences_balanced(chunk), chunk
    if text.strip():
        kept = "".join(line for chunk in chunks for line in chunk.split("\n"))
        assert all(c in kept for c in text if not c.isspace())


def _fences_balanced(chunk: str) -> bool:
    fence = None
    for line in chunk.split("\n"):
        stripped = line.strip()
        if fence is None and (stripped.startswith(("```", "~~~"))):
            fence = stripped[0] * (len(stripped) - len(stripped.lstrip(stripped[0])))
        elif fence is not None and len(stripped) >= len(fence) and set(stripped) == {fence[0]}:
            fence = None
    return fence is None


def test_platform_markups_escape_what_they_must():
    slack = SlackMrkdwn()
    assert slack.escape("a < b && c > d") == "a &lt; b &amp;&amp; c &gt; d"
    assert slack.pre("x ``` y") == "```\nx `\u200b`` y\n```"
    assert slack.markdown("**bold** [site](https://example.com)") == "*bold* <https://example.com|site>"
    discord = DiscordMarkdown()
    assert discord.escape("*not bold* __x__ `y`") == r"\*not bold\* \_\_x\_\_ \`y\`"
    assert discord.escape("# not a heading") == r"\# not a heading"
    assert discord.pre("code ``` inside") == "```\ncode `\u200b`` inside\n```"


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "**",
                "*",
                "_",
                "__",
                "`",
                "```",
                "```py",
                "\n",
                "<",
                ">",
                "&",
                "[a](http://x.y)",
                "# ",
                "- ",
                "1. ",
                "> ",
                "~~",
                "||",
                "word",
                " ",
                "&amp;",
                "<b>",
                "</i>",
            ]
        ),
        max_size=40,
    )
)
def test_telegram_markdown_is_always_valid_html(parts):
    from tests.fakes.telegram_api import parse_html

    for chunk in chunk_markdown("".join(parts), 4000):
        error, _visible = parse_html(TelegramHtml().markdown(chunk))
        assert error is None, (chunk, TelegramHtml().markdown(chunk))
