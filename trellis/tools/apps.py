from django.apps import AppConfig


class ToolsConfig(AppConfig):
    name = "trellis.tools"
    label = "tools"
    verbose_name = "AI tool governance"
