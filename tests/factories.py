"""factory_boy factories for the Django models."""

from __future__ import annotations

import factory
from django.contrib.auth import get_user_model

from trellis.orgs.models import Membership, Organization, Person, Role

PASSWORD = "correct-horse-battery-staple"


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Organization {n}")
    kind = Organization.Kind.STATE
    parent = None
    path = "/"
    sourced_id = factory.Sequence(lambda n: f"org-{n}")

    @factory.post_generation
    def set_path(obj: Organization, create: bool, extracted: object, **kwargs: object) -> None:
        obj.path = f"{obj.parent.path if obj.parent else '/'}{obj.pk}/"
        obj.save(update_fields=["path"])


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    @factory.post_generation
    def password(obj: object, create: bool, extracted: object, **kwargs: object) -> None:
        obj.set_password(PASSWORD)  # type: ignore[attr-defined]
        obj.save(update_fields=["password"])  # type: ignore[attr-defined]


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    user = factory.SubFactory(UserFactory)
    given_name = factory.Sequence(lambda n: f"Given{n}")
    family_name = factory.Sequence(lambda n: f"Family{n}")
    email = factory.LazyAttribute(lambda p: f"{p.user.username}@example.org")


def person_with_role(username: str, role: Role, organization: Organization) -> Person:
    person = PersonFactory(user=UserFactory(username=username), primary_organization=organization)
    Membership.objects.create(person=person, organization=organization, role=role)
    return person
