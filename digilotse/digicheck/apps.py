from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DigicheckConfig(AppConfig):
    name = "digilotse.digicheck"
    label = "digicheck"
    verbose_name = _("Kommunaler Digicheck")
