from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "digilotse.portal"
    label = "portal"
    verbose_name = _("Beteiligungsplattform")

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from digilotse.projects.models import StatusChange

        from . import participation
        from .signals import idea_status_changed

        # Followers hear about status changes of their idea and of the project made from it.
        idea_status_changed.connect(
            participation.on_idea_status_changed, dispatch_uid="portal.follow.idea_status"
        )
        post_save.connect(
            participation.on_status_change_saved,
            sender=StatusChange,
            dispatch_uid="portal.follow.project_status",
        )
        # Cached public pages: every save or delete of a public-relevant row invalidates them.
        from . import cache

        cache.connect_signals()
