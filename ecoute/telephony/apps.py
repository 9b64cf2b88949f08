from django.apps import AppConfig


class TelephonyConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "ecoute.telephony"
    verbose_name = "Numéro vert"
