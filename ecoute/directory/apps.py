from django.apps import AppConfig


class DirectoryConfig(AppConfig):
    name = "ecoute.directory"
    verbose_name = "Orientation"
