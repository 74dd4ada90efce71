"""Two edits of ComplaintWorkflow for the versioning tests: one breaks replay, one is guarded by a patch."""

from datetime import timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from models.case import CaseInput, CaseState
    from workflows.complaint import ComplaintWorkflow


@workflow.defn(name="ComplaintWorkflow")
class UnguardedChange(ComplaintWorkflow):
    """A new timer before intake, added without a patch: every recorded case now disagrees at its first command."""

    @workflow.run
    async def run(self, inp: CaseInput) -> CaseState:
        await workflow.sleep(timedelta(seconds=1))
        return await super().run(inp)


@workflow.defn(name="ComplaintWorkflow")
class PatchedChange(ComplaintWorkflow):
    """The same timer behind workflow.patched: old histories take the old branch and replay cleanly."""

    @workflow.run
    async def run(self, inp: CaseInput) -> CaseState:
        if workflow.patched("pause-before-intake"):
            await workflow.sleep(timedelta(seconds=1))
        return await super().run(inp)
