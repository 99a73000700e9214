from django.apps import AppConfig


class AuditsConfig(AppConfig):
    name = "trellis.audits"
    label = "audits"
    verbose_name = "Fairness audits"

    def ready(self) -> None:
        from trellis.audits import jobs  # noqa: F401  (registers the audit job kind)
