import pytest

from policy.recipients import staff_recipient


@pytest.mark.parametrize(
    ("assignee", "recipient"),
    [
        ("supervisors", "queue:supervisors"),
        (None, "queue:agents"),
        ("", "queue:agents"),
        ("agent-7", "agent:agent-7"),
    ],
)
def test_staff_notifications_go_to_a_queue_or_a_person(assignee, recipient):
    assert staff_recipient(assignee, "supervisors") == recipient


def test_the_supervisor_queue_name_is_the_policys():
    assert staff_recipient("tier2-leads", "tier2-leads") == "queue:tier2-leads"
    assert staff_recipient("supervisors", "tier2-leads") == "agent:supervisors"
