"""The classify activity: the classifier runs here, not in the workflow, and history records its result.

Why an activity: the classifier loads jieba's dictionary and the model weights (too heavy for the
workflow sandbox, and slow on first use), and a retrained model must never change how a recorded
case replays. The activity is pure (no database, no network): retrying it gives the same answer.
"""

from temporalio import activity

from models.case import ClassificationResult
from models.classify_io import ClassifyRequest
from policy import classifier


class ClassifyActivities:
    @activity.defn
    def classify_complaint(self, request: ClassifyRequest) -> ClassificationResult:
        return classifier.suggest(description=request.description, order=request.order,
                                  volumes=request.volumes, policy=request.policy)
