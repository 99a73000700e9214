from django.apps import AppConfig


class InsightsConfig(AppConfig):
    name = "trellis.insights"
    label = "insights"
    verbose_name = "Funding and annual reports"

    def ready(self) -> None:
        # Registers the report PDF job kind with the job runner.
        from trellis.insights import jobs  # noqa: F401
