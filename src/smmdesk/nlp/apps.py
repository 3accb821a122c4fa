from django.apps import AppConfig


class NlpConfig(AppConfig):
    name = "smmdesk.nlp"
    label = "nlp"
