from django.apps import AppConfig


class RoadmapConfig(AppConfig):
    name = "trellis.roadmap"
    label = "roadmap"
    verbose_name = "District roadmap"
