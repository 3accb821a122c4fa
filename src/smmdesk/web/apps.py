from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "smmdesk.web"
    label = "web"
