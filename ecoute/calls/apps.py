from django.apps import AppConfig


class CallsConfig(AppConfig):
    name = "ecoute.calls"
    verbose_name = "Appels"
