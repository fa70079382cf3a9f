from __future__ import annotations

import json
import stat

from tether_tui.audit import AuditLog
from tether_tui.models import Via


async def test_every_decision_is_appended_as_a_json_line_mode_0600(store, audit_path):
    store.add_session("s1", "agent one", directory="/repo")
    for n in range(3):
        request = store.approvals.submit("s1", "Bash", {"command": f"echo {n}"})
        store.approvals.decide(request.id, n != 1, by="alice", via=Via.KEYBOARD)
    lines = audit_path.read_text().splitlines()
    assert [json.loads(line)["outcome"] for line in lines] == ["allow", "deny", "allow"]
    assert stat.S_IMODE(audit_path.stat().st_mode) == 0o600
    assert json.loads(lines[0])["session"] == "agent one"


def test_a_cut_off_last_line_does_not_stop_start_up(audit_path):
    audit_path.parent.mkdir(parents=True)
    audit_path.write_text('{"event": "decision", "outcome": "allow"}\n{"event": "decis')
    audit = AuditLog(audit_path)
    audit.open()
    audit.append({"event": "decision", "outcome": "deny"})
    audit.close()
    reader = AuditLog(audit_path)
    records = reader.read()
    assert [r["outcome"] for r in records] == ["allow", "deny"]
    assert reader.corrupt_lines == 1
    assert audit.corrupt_lines == 1


def test_no_path_means_no_file(tmp_path):
    audit = AuditLog(None)
    audit.append({"x": 1})
    assert audit.read() == [] and audit.records_written == 0
