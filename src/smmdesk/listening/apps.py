from django.apps import AppConfig


class ListeningConfig(AppConfig):
    name = "smmdesk.listening"
    label = "listening"

    def ready(self) -> None:
        from smmdesk.listening import outbox  # noqa: F401  (registers the reply handler)
