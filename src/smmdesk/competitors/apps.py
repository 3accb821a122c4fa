from django.apps import AppConfig


class CompetitorsConfig(AppConfig):
    name = "smmdesk.competitors"
    label = "competitors"
