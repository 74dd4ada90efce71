"""The people of a case: its parties as notification recipients, and the staff's first contact."""

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    import workflows.clocks as clocks
    from models.case import Actor
    from models.enums import ClockName, Role
    from policy.recipients import staff_recipient
    from workflows.case_core import CaseCore


class CasePeople(CaseCore):
    """Who a case's notifications go to, and what the first staff action does."""

    def consumer(self) -> str:
        return f"consumer:{self.state.consumer_id}"

    def merchant(self) -> str:
        return f"merchant:{self.state.merchant_id}"

    def staff(self) -> str:
        """The assignee as a recipient: the supervisors' queue, a person, or the agents' queue."""
        return staff_recipient(self.state.assignee, self.policy.escalation.supervisor_queue)

    def touch(self, actor: Actor) -> None:
        """The first staff action meets the first-contact clock."""
        if actor.role in (Role.AGENT, Role.SUPERVISOR) and not self.facts.first_contact_made:
            self.facts.first_contact_made = True
            clocks.stop(self.state, ClockName.FIRST_CONTACT)
            self.changed()
