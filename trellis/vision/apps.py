from django.apps import AppConfig


class VisionConfig(AppConfig):
    name = "trellis.vision"
    label = "vision"
    verbose_name = "Statewide vision"
