from django.db import migrations


def seed(apps, schema_editor):
    from trellis.insights.streams import SEEDED_STREAMS

    FundingStream = apps.get_model("insights", "FundingStream")
    for stream in SEEDED_STREAMS:
        FundingStream.objects.get_or_create(code=stream["code"], defaults={**stream, "ai_pl_allowable": True})


class Migration(migrations.Migration):
    dependencies = [("insights", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
