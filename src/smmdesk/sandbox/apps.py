from django.apps import AppConfig


class SandboxConfig(AppConfig):
    name = "smmdesk.sandbox"
    label = "sandbox"
