from django.apps import AppConfig


class InboxConfig(AppConfig):
    name = "smmdesk.inbox"
    label = "inbox"
