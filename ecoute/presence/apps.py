from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PresenceConfig(AppConfig):
    name = "ecoute.presence"
    verbose_name = _("Présence")
