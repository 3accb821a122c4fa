from django.apps import AppConfig


class ContentConfig(AppConfig):
    name = "smmdesk.content"
    label = "content"
