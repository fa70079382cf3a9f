"""Scripts of the built-in demo agents: what they say, which tools they ask for, and how."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Say:
    text: str
    pause: float = 0.6
    final: bool = False


@dataclass(frozen=True)
class Ask:
    """Ask permission for a tool; on allow print ``allowed_output``, on deny say so."""

    tool_name: str
    tool_input: dict[str, Any]
    allowed_output: tuple[str, ...] = ()
    pause: float = 0.8


@dataclass(frozen=True)
class Scenario:
    name: str
    title: str
    directory: str
    prompt: str
    steps: tuple[Say | Ask, ...]
    follow_up: tuple[Say | Ask, ...] = field(default=())


DATES_OLD = """def parse_due_date(text: str) -> date:
    return datetime.strptime(text, "%Y-%m-%d").date()
"""
DATES_NEW = """def parse_due_date(text: str) -> date:
    text = text.strip()
    if "W" in text:
        return date.fromisocalendar(*_iso_week_parts(text))
    return date.fromisoformat(text)
"""

HEALTH_TS = """import { Router } from "express";
import { db } from "./db";

export const health = Router();

health.get("/healthz", async (_req, res) => {
  const started = Date.now();
  try {
    await db.raw("select 1");
    res.json({ status: "ok", db_ms: Date.now() - started });
  } catch (err) {
    res.status(503).json({ status: "degraded", error: String(err) });
  }
});
"""

SCENARIOS: tuple[Scenario, ...] = (
    Scenario(
        name="fix-tests",
        title="claude · invoice-api",
        directory="~/src/invoice-api",
        prompt="Fix the failing due-date tests",
        steps=(
            Say("I'll run the failing tests first to see what breaks."),
            Ask(
                "Bash",
                {"command": "pytest -q tests/test_dates.py", "description": "Run the date tests"},
                (
                    "..F.F                                                     [100%]",
                    "FAILED tests/test_dates.py::test_iso_week_due_date - ValueError: time data '2026-W07-3'",
                    "FAILED tests/test_dates.py::test_whitespace - ValueError: unconverted data remains: ' '",
                    "2 failed, 3 passed in 0.41s",
                ),
            ),
            Say("Both failures come from parse_due_date: it only accepts %Y-%m-%d and no padding."),
            Say("Reading src/invoice_api/dates.py …", pause=0.4),
            Ask(
                "Edit",
                {
                    "file_path": "src/invoice_api/dates.py",
                    "old_string": DATES_OLD,
                    "new_string": DATES_NEW,
                },
                ("Updated src/invoice_api/dates.py (+4 −1)",),
            ),
            Ask(
                "Bash",
                {"command": "pytest -q", "description": "Run the whole suite"},
                ("..........................................          [100%]", "42 passed in 1.83s"),
            ),
            Say(
                "Fixed: parse_due_date now accepts ISO week dates (2026-W07-3) and surrounding whitespace. All 42 tests pass.",
                final=True,
            ),
        ),
        follow_up=(
            Ask(
                "Bash",
                {"command": "git diff --stat"},
                (" src/invoice_api/dates.py | 5 ++++-", " 1 file changed, 4 insertions(+), 1 deletion(-)"),
            ),
            Say("Done. Anything else?", final=True),
        ),
    ),
    Scenario(
        name="healthz",
        title="codex · web-shop",
        directory="~/src/web-shop",
        prompt="Add a /healthz endpoint that checks the database",
        steps=(
            Say("Plan: add src/health.ts with a /healthz route, mount it in src/app.ts, add a test."),
            Ask(
                "WebFetch",
                {"url": "https://expressjs.com/en/guide/routing.html", "prompt": "How to mount a Router"},
                ("Fetched 18.2 KB: express.Router() instances are mounted with app.use(path, router).",),
            ),
            Ask("Write", {"file_path": "src/health.ts", "content": HEALTH_TS}, ("Created src/health.ts (16 lines)",)),
            Ask(
                "Edit",
                {
                    "file_path": "src/app.ts",
                    "old_string": 'app.use("/api", api);\n',
                    "new_string": 'app.use("/api", api);\napp.use(health);\n',
                },
                ("Updated src/app.ts (+1)",),
            ),
            Ask(
                "Bash",
                {"command": "npm test -- --run health"},
                (" ✓ test/health.test.ts (2 tests) 38ms", " Test Files  1 passed (1)", "      Tests  2 passed (2)"),
            ),
            Say("GET /healthz answers {status: ok, db_ms} and 503 when the database is down. Tests pass.", final=True),
        ),
        follow_up=(
            Ask("Bash", {"command": "npm run lint"}, ("✔ No problems found",)),
            Say("Lint is clean. What next?", final=True),
        ),
    ),
    Scenario(
        name="cleanup",
        title="aider · data-pipeline",
        directory="~/src/data-pipeline",
        prompt="Clean the build and upgrade pandas",
        steps=(
            Say("Removing stale build artefacts before the upgrade."),
            Ask("Bash", {"command": "rm -rf build/ dist/ .pytest_cache"}, ("removed build/ dist/ .pytest_cache",)),
            Ask(
                "WebFetch",
                {"url": "https://pypi.org/pypi/pandas/json", "prompt": "Latest version and Python support"},
                ("pandas 2.3.3 supports Python 3.10 – 3.14",),
            ),
            Ask(
                "Bash",
                {"command": "pip install -U 'pandas==2.3.3'"},
                ("Collecting pandas==2.3.3", "Installing collected packages: pandas", "Successfully installed pandas-2.3.3"),
            ),
            Ask(
                "Bash",
                {"command": "python -m pipeline.check --all"},
                ("checked 14 pipelines: 14 ok, 0 warnings",),
            ),
            Say("pandas is at 2.3.3 and all 14 pipelines check out.", final=True),
        ),
        follow_up=(
            Ask("Bash", {"command": "git status --short"}, (" M requirements.txt",)),
            Say("Only requirements.txt changed. Shall I commit it?", final=True),
        ),
    ),
)


def scenario_named(name: str | None, index: int = 0) -> Scenario:
    for scenario in SCENARIOS:
        if scenario.name == name:
            return scenario
    return SCENARIOS[index % len(SCENARIOS)]
