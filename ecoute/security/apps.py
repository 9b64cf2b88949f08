from django.apps import AppConfig


class SecurityConfig(AppConfig):
    name = "ecoute.security"
    verbose_name = "Sécurité"
