from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RotaConfig(AppConfig):
    name = "ecoute.rota"
    verbose_name = _("Planning")
