from django.apps import AppConfig


class PresenceConfig(AppConfig):
    name = "ecoute.presence"
    verbose_name = "Présence"
