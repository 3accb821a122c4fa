from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "smmdesk.analytics"
    label = "analytics"
