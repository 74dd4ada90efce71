"""The what-if path comparison in plain words: what it reports, in what order, and what it treats as noise."""

from audit.whatif_path import MAX_PATH_DIFFERENCES, PathStep, path_differences


def step(seq: int, action: str, **deadlines: str) -> PathStep:
    return PathStep(
        seq=seq, action=action, summary=action, after="0:00:00", tier=None, deadlines=deadlines, escalation_level=0
    )


def test_a_deadline_a_step_landed_seconds_late_on_is_the_same_deadline():
    control = [step(1, "filed", plan="1 day, 0:00:01")]
    proposed = [step(1, "filed", plan="1 day, 0:00:00")]
    assert path_differences(control, proposed, []) == []


def test_a_deadline_the_policy_moved_is_reported():
    control = [step(1, "filed", plan="1 day, 0:00:00")]
    proposed = [step(1, "filed", plan="2 days, 0:00:00")]
    assert path_differences(control, proposed, []) == [
        "step 1 (filed): plan due 1 day, 0:00:00 after filing -> 2 days, 0:00:00"
    ]


def test_where_the_paths_part_leads_even_after_many_deadline_differences():
    shared = MAX_PATH_DIFFERENCES + 3
    control = [step(i, "noted", plan=f"{i}:00:00") for i in range(shared)] + [step(shared, "escalated")]
    proposed = [step(i, "noted", plan=f"{i + 1}:00:00") for i in range(shared)] + [step(shared, "closed")]
    lines = path_differences(control, proposed, ["withdraw: the case had already ended"])
    assert len(lines) == MAX_PATH_DIFFERENCES
    assert lines[0].startswith(f"step {shared}: the paths part")
    assert lines[1] == "escalations: 1 -> 0"
    assert lines[2] == "refused under the proposed policy: withdraw: the case had already ended"
    assert lines[3] == "step 0 (noted): plan due 0:00:00 after filing -> 1:00:00"
