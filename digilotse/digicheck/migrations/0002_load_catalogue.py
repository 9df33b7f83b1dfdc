"""Load the shipped Digicheck catalogue (questionnaire and Bausteine) into every installation."""

from django.db import migrations


def load(apps, schema_editor):
    from digilotse.digicheck.loading import load_catalogue

    load_catalogue(
        apps.get_model("digicheck", "QuestionnaireVersion"),
        apps.get_model("digicheck", "Baustein"),
        validate=False,
    )


class Migration(migrations.Migration):
    dependencies = [("digicheck", "0001_digicheck")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
