from django.apps import AppConfig


class OrgsConfig(AppConfig):
    name = "trellis.orgs"
    label = "orgs"
    verbose_name = "Organizations and people"

    def ready(self) -> None:
        # Registers the roster import job kind with the job runner.
        from trellis.orgs import jobs  # noqa: F401
