from django.contrib import admin

from trellis.core.admin import ReadOnlyAdmin
from trellis.learning.models import Competency, Framework, FrameworkAssociation

# Frameworks change only through their services: a published version never changes.
admin.site.register(Framework, ReadOnlyAdmin)
admin.site.register(Competency, ReadOnlyAdmin)
admin.site.register(FrameworkAssociation, ReadOnlyAdmin)
