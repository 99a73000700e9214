"""The audit and access logs are append-only in the application, at the database and in the admin,
and keep who acted."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.db import DatabaseError, connection, transaction
from django.db.models import ProtectedError
from django.test import Client
from django.urls import reverse

from trellis.core.models import AccessEvent, AuditEvent
from trellis.core.services import access_record, audit_record
from trellis.orgs.models import Membership, Organization

LOGS = [AuditEvent, AccessEvent]


def _entry(model, actor=None):
    if model is AuditEvent:
        return audit_record(actor=actor, action="test.thing", summary="Did a thing")
    return access_record(actor=actor, dataset="student roster", purpose="test", organization_id=None, rows_read=3)


@pytest.mark.parametrize("model", LOGS)
def test_queryset_update_and_delete_are_refused(db, model):
    event = _entry(model)
    with pytest.raises(PermissionError):
        model.objects.filter(pk=event.pk).update(actor_name="someone else")
    with pytest.raises(PermissionError):
        model.objects.all().delete()
    with pytest.raises(PermissionError):
        model.objects.bulk_update([event], ["actor_name"])
    assert model.objects.filter(pk=event.pk, actor_name="").count() == 1


@pytest.mark.parametrize("model", LOGS)
@pytest.mark.parametrize("statement", ['UPDATE "{table}" SET actor_name = \'x\'', 'DELETE FROM "{table}"'])
def test_the_database_refuses_update_and_delete(db, model, statement):
    event = _entry(model)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement.format(table=model._meta.db_table))
    assert model.objects.filter(pk=event.pk, actor_name="").count() == 1


@pytest.mark.parametrize("model", LOGS)
def test_a_person_in_the_logs_cannot_be_deleted(teacher, model):
    event = _entry(model, actor=teacher.user)
    with pytest.raises(ProtectedError):
        teacher.user.delete()
    assert get_user_model().objects.filter(pk=teacher.user.pk).exists()
    assert model.objects.get(pk=event.pk).actor_id == teacher.user.pk


def test_every_admin_page_is_read_only():
    request = None
    writable = [
        model.__name__ for model, model_admin in admin.site._registry.items()
        if model_admin.has_add_permission(request) or model_admin.has_change_permission(request)
        or model_admin.has_delete_permission(request)
    ]
    assert writable == []
    assert {Organization, Membership, get_user_model(), AuditEvent} <= set(admin.site._registry)


def test_the_admin_cannot_rename_an_organization_or_grant_a_role(tree, teacher):
    get_user_model().objects.create_superuser("root", "root@example.org", "a-long-admin-password")
    client = Client()
    client.login(username="root", password="a-long-admin-password")
    before = (AuditEvent.objects.count(), Membership.objects.count())
    url = reverse("admin:orgs_organization_change", args=[tree.district.pk])
    assert client.get(url).status_code == 200  # it can be looked at
    response = client.post(url, {"name": "Renamed", "kind": "district", "path": tree.district.path})
    assert response.status_code == 403
    response = client.post(reverse("admin:orgs_membership_add"),
                           {"person": teacher.pk, "organization": tree.state.pk, "role": "state_lead"})
    assert response.status_code == 403
    assert Organization.objects.get(pk=tree.district.pk).name == "Cedar Valley Unified"
    assert (AuditEvent.objects.count(), Membership.objects.count()) == before
