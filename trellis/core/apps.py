from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "trellis.core"
    label = "core"
    verbose_name = "Trellis core"

    def ready(self) -> None:
        from django.db.backends.signals import connection_created

        from trellis.core.pages import watch_writes

        # Every write, from any process, starts a new generation of the cached pages.
        connection_created.connect(watch_writes, dispatch_uid="trellis-watch-writes")
