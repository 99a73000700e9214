"""The commons takes its formats from the offerings' (trellis.learning) and its competency areas
from the shipped competency framework's items: the old keys become the offering format keys
(a classroom practice has no format) and the framework's CASE identifiers."""

from django.db import migrations, models

FORMATS = {"coaching_cycle": "coaching", "classroom": ""}
AREAS = {
    "human_centred": "c124ccab-cf33-5b9e-916e-962e32765c5d",
    "ethics": "b3b1d978-3bd7-5dae-9c19-b4ff2aa21f24",
    "foundations": "428cffa2-5020-55ed-831a-37b69a1f59eb",
    "pedagogy": "667ffc7a-b6c5-5252-8003-5647ebd7760f",
    "professional_learning": "d8645d05-771c-5b23-ab23-5d9af3f657e4",
}


def _move(apps, formats, areas):
    CommonsItem = apps.get_model("commons", "CommonsItem")
    for item in CommonsItem.objects.all().only("pk", "format", "competencies").iterator():
        fmt = formats.get(item.format, item.format)
        found = [areas.get(c, c) for c in item.competencies or []]
        if fmt != item.format or found != item.competencies:
            CommonsItem.objects.filter(pk=item.pk).update(format=fmt, competencies=found)


def forwards(apps, schema_editor):
    _move(apps, FORMATS, AREAS)


def backwards(apps, schema_editor):
    CommonsItem = apps.get_model("commons", "CommonsItem")
    CommonsItem.objects.filter(format="", kind__in=["practice", "exemplar"]).update(format="classroom")
    _move(apps, {"coaching": "coaching_cycle"}, {v: k for k, v in AREAS.items()})


class Migration(migrations.Migration):
    dependencies = [("commons", "0002_full_text_index")]
    operations = [
        migrations.AlterField(
            model_name="commonsitem", name="format",
            field=models.CharField(
                blank=True, choices=[("workshop", "One-time workshop"), ("course", "Multi-session course"),
                                     ("coaching", "Coaching cycle"), ("plc", "Professional learning community"),
                                     ("micro_credential", "Micro-credential")],
                help_text="Leave empty for a classroom practice or an exemplar from class.", max_length=20,
                verbose_name="Professional learning format"),
        ),
        migrations.RunPython(forwards, backwards),
    ]
