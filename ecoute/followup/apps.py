from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FollowUpConfig(AppConfig):
    name = "ecoute.followup"
    label = "followup"
    verbose_name = _("Suivi proposé aux appelants de l’application")
