from django.apps import AppConfig


class OrgsConfig(AppConfig):
    name = "trellis.orgs"
    label = "orgs"
    verbose_name = "Organizations and people"

    def ready(self) -> None:
        # Registers the roster import job kind with the job runner.
        # Connects the signals that forget cached staff and role counts when they change.
        from trellis.orgs import (
            figures,  # noqa: F401
            jobs,  # noqa: F401
        )
