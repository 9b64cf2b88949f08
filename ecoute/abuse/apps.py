from django.apps import AppConfig


class AbuseConfig(AppConfig):
    name = "ecoute.abuse"
    verbose_name = "Abus"
