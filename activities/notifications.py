"""Notifications go through the platform's notifier; the key makes a retried send a no-op."""

from temporalio import activity

from adapters.ports import Notifier
from models.activity_io import NotificationRequest


class NotificationActivities:
    def __init__(self, notifier: Notifier) -> None:
        self._notifier = notifier

    @activity.defn(name="send_notification")
    def send_notification(self, n: NotificationRequest) -> bool:
        return self._notifier.send(n.key, n.recipient, n.template, n.complaint_id, n.body)
