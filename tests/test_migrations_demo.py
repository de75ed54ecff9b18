"""The demo's codebook change on the sample study: merge, split, retire, nothing lost."""

from __future__ import annotations

from collections import Counter

from qcode.codings import replay
from qcode.demo import STEPS, DemoContext, init_sample, step_migration
from qcode.migrations import codebook_log, pending_reviews


def test_demo_step_merges_splits_retires_and_loses_nothing(tmp_path):
    lines: list[str] = []
    ctx = DemoContext(folder=tmp_path / "study", report=lines.append)
    ctx.project = init_sample(ctx.folder)
    before = Counter(c.code for c in replay(ctx.project))
    step_migration(ctx)
    after = replay(ctx.project)
    counts = Counter(c.code for c in after)
    assert ctx.facts["migration_before"] == ctx.facts["migration_after"] == len(after)
    assert ctx.facts["migration_verified"] is True
    assert counts["competency"] == 0
    assert counts["professionalism"] == before["professionalism"] + before["competency"]
    assert counts["medical-tasks"] + counts["practical-tasks"] + counts["tasks"] == before["tasks"]
    assert counts["medical-tasks"] > 0 and counts["practical-tasks"] > 0
    assert counts["tasks"] == ctx.facts["migration_pending"] == len(pending_reviews(ctx.project))
    assert all(c.flags == ("retired",) for c in after if c.code == "personnel")
    assert [r["step"] for r in codebook_log(ctx.project)] == ["", "2.1", "2.2", "2.3"]
    assert any("professionalism" in line and "->" in line for line in lines)
    assert step_migration in [s.run for s in STEPS]
