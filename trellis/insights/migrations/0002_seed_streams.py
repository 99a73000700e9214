from django.db import migrations


def seed(apps, schema_editor):
    from trellis.insights.streams import seed_streams

    seed_streams(apps.get_model("insights", "FundingStream"))


class Migration(migrations.Migration):
    dependencies = [("insights", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
