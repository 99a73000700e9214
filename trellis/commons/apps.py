from django.apps import AppConfig


class CommonsConfig(AppConfig):
    name = "trellis.commons"
    label = "commons"
    verbose_name = "Commons of what works"
