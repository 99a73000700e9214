from django.db import migrations

# The text as it shipped in version 1, kept here so the migration means the same thing forever.
CRITERIA = [
    ("privacy", "Collects only the student data the stated purpose needs."),
    ("privacy", "Does not sell student data or use it for advertising or building profiles."),
    ("privacy", "Deletes student data on request and when the contract ends, and says how."),
    ("privacy", "Lets families see the data held about their child."),
    ("transparency", "Says plainly where AI is used in the product and what it decides or suggests."),
    ("transparency", "Names the model and its provider, and whether student data trains any model."),
    ("transparency", "Labels AI-generated content as such to students and teachers."),
    ("fairness", "Documents how the vendor tested for bias across student groups, with results."),
    ("fairness", "Lets the district check the tool's outputs for disparities on its own students."),
    ("fairness", "Offers a way for users to report a biased or unfair output inside the product."),
    ("human_control", "A teacher can review, change or reject every AI output that affects a student."),
    ("human_control", "No grade, placement or discipline decision is made by the AI alone."),
    ("evidence", "Shows evidence of effect on learning and names its ESSA tier (I strong, II moderate, "
                 "III promising, IV rationale)."),
    ("evidence", "The evidence comes from students and schools like ours."),
    ("accessibility", "Has a current accessibility conformance report against WCAG 2.1 AA."),
    ("accessibility", "Works with a keyboard alone and with screen readers, captions and zoom."),
    ("interoperability", "Takes rosters through OneRoster and signs in through the district's accounts."),
    ("interoperability", "Launches from the learning platform through LTI and aligns content with CASE."),
    ("security", "Encrypts data in transit and at rest and limits staff access to it."),
    ("security", "Tells the district of a breach within the time the agreement sets."),
    ("security", "Has an independent security assessment no older than two years."),
]


def add_default_rubric(apps, schema_editor):
    RubricVersion = apps.get_model("tools", "RubricVersion")
    Criterion = apps.get_model("tools", "Criterion")
    rubric = RubricVersion.objects.create(number=1, notes="The rubric Trellis ships with.")
    Criterion.objects.bulk_create(
        Criterion(rubric=rubric, area=area, position=position, text=text)
        for position, (area, text) in enumerate(CRITERIA, start=1)
    )


def remove_default_rubric(apps, schema_editor):
    apps.get_model("tools", "RubricVersion").objects.filter(number=1).delete()


class Migration(migrations.Migration):
    dependencies = [("tools", "0001_initial")]
    operations = [migrations.RunPython(add_default_rubric, remove_default_rubric)]
