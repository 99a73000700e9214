from django.apps import AppConfig


class LearningConfig(AppConfig):
    name = "trellis.learning"
    label = "learning"
    verbose_name = "Professional learning"

    def ready(self) -> None:
        # Registers the xAPI import job kind with the job runner.
        from trellis.learning import jobs  # noqa: F401
