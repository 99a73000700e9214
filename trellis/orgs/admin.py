from django.contrib import admin

from trellis.orgs.models import Membership, Organization, Person

admin.site.register(Organization)
admin.site.register(Person)
admin.site.register(Membership)
