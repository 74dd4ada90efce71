"""TracingInterceptor, with each workflow update traced as part of the request that sent it.

temporalio.contrib.opentelemetry parents everything a workflow does under the span that started the
workflow, and only *links* an update's span to its caller. For this system the unit an on-call engineer
follows is the agent's action: the HTTP request, its update, and the activities and SQL that update runs.
So an update's validator and handler run under the caller's context (carried in the update's header):
their spans, the activities the handler schedules and those activities' statements share the request's
trace id. Everything else is the library's behaviour, replay-safe as it is (no span is made on replay).
"""

from typing import Any

import opentelemetry.trace
from opentelemetry.context import Context
from temporalio import worker
from temporalio.contrib.opentelemetry import TracingInterceptor, TracingWorkflowInboundInterceptor
from temporalio.contrib.opentelemetry._context import attached_context


class UpdateTracingWorkflowInboundInterceptor(TracingWorkflowInboundInterceptor):
    def _caller_context(self, input: worker.HandleUpdateInput) -> Context | None:
        header = input.headers.get(self.header_key)
        if not header:
            return None
        carrier = self.payload_converter.from_payloads([header])[0]
        return self._set_on_context(self.text_map_propagator.extract(carrier))

    def handle_update_validator(self, input: worker.HandleUpdateInput) -> None:
        context = self._caller_context(input)
        if context is None:
            super().handle_update_validator(input)
            return
        with attached_context(context):
            self._completed_span(f"ValidateUpdate:{input.update}", kind=opentelemetry.trace.SpanKind.SERVER)
            self.next.handle_update_validator(input)

    async def handle_update_handler(self, input: worker.HandleUpdateInput) -> Any:
        context = self._caller_context(input)
        if context is None:
            return await super().handle_update_handler(input)
        with attached_context(context):
            self._completed_span(f"HandleUpdate:{input.update}", kind=opentelemetry.trace.SpanKind.SERVER)
            return await self.next.handle_update_handler(input)


class CaseTracingInterceptor(TracingInterceptor):
    def workflow_interceptor_class(
        self, input: worker.WorkflowInterceptorClassInput
    ) -> type[TracingWorkflowInboundInterceptor]:
        super().workflow_interceptor_class(input)  # registers the span extern function the workflow side calls
        return UpdateTracingWorkflowInboundInterceptor
