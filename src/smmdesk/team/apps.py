from django.apps import AppConfig


class TeamConfig(AppConfig):
    name = "smmdesk.team"
    label = "team"
