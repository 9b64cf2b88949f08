from django.apps import AppConfig


class StatsConfig(AppConfig):
    name = "ecoute.stats"
    verbose_name = "Statistiques"
