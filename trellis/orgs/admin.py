from django.contrib import admin

from trellis.core.admin import ReadOnlyAdmin
from trellis.orgs.models import Membership, Organization, Person

admin.site.register(Organization, ReadOnlyAdmin)
admin.site.register(Person, ReadOnlyAdmin)
admin.site.register(Membership, ReadOnlyAdmin)
