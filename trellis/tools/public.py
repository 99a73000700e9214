"""The public pages: what AI tools a district and its schools use, in plain language, in English
and Spanish, with forms to opt a child out and to report a concern. No sign-in, no student data."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template import loader
from django.urls import reverse, translate_url
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views import defaults

from trellis.core.pages import cached_page
from trellis.orgs.models import Organization
from trellis.recognition.selectors import recognitions_of
from trellis.tools import forms as tool_forms
from trellis.tools import selectors, services
from trellis.tools.models import Tool

OTHER_LANGUAGE = {"en": ("es", "Español"), "es": ("en", "English")}


def _context(request: HttpRequest, **extra: Any) -> dict[str, Any]:
    language = (get_language() or "en")[:2]
    other, name = OTHER_LANGUAGE.get(language, OTHER_LANGUAGE["en"])
    return {"language": language, "switch_url": translate_url(request.get_full_path(), other),
            "switch_language": other, "switch_name": name, **extra}


#: What every public page's template needs (its language and the link to the other language), for
#: the public pages of other apps.
public_context = _context


def _sender(request: HttpRequest) -> str:
    return services.public_sender(request.META.get("REMOTE_ADDR", ""))


def _with_audits(organization: Organization, tools: list[selectors.PublicTool]) -> list[tuple[Any, Any]]:
    """Each tool with the published summary of its newest finished fairness audit in the district."""
    from trellis.audits.selectors import latest_public_audits

    district = selectors.district_of(organization)
    audits = latest_public_audits(district=district, tool_ids=[item.tool.pk for item in tools]) if district else {}
    return [(item, audits.get(item.tool.pk)) for item in tools]


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "public/home.html", _context(request, districts=selectors.public_districts()))


@cached_page
def district(request: HttpRequest, pk: int) -> HttpResponse:
    organization = selectors.public_organization_get(pk=pk, kind=Organization.Kind.DISTRICT)
    schools = Organization.objects.filter(parent=organization, kind=Organization.Kind.SCHOOL,
                                          is_active=True).order_by("name")
    return render(request, "public/organization.html", _context(
        request, organization=organization, tools=_with_audits(organization, selectors.public_tools_for(organization)),
        schools=schools, recognitions=recognitions_of(organization),
        school_for_links=None))


@cached_page
def school(request: HttpRequest, pk: int) -> HttpResponse:
    organization = selectors.public_organization_get(pk=pk, kind=Organization.Kind.SCHOOL)
    return render(request, "public/organization.html", _context(
        request, organization=organization, tools=_with_audits(organization, selectors.public_tools_for(organization)),
        schools=None, recognitions=recognitions_of(organization),
        school_for_links=organization))


def _school_tools(organization: Organization) -> Any:
    return Tool.objects.filter(pk__in=[t.tool.pk for t in selectors.public_tools_for(organization)])


def _too_many(request: HttpRequest, form: Any) -> bool:
    if services.public_posts_allowed(_sender(request)):
        return False
    form.add_error(None, _("We have received several messages from you in the last hour. Please try again "
                           "later, or call the school."))
    return True


def _public_post(request: HttpRequest, form: Any, submit: Callable[[dict[str, Any]], Any]) -> HttpResponse | None:
    """Validate a public form, turn away bots and floods, and send it; None means show the form again
    (with what the person typed and the problems to fix)."""
    if request.method != "POST" or not form.is_valid() or _too_many(request, form):
        return None
    data = dict(form.cleaned_data)
    if data.pop("website"):  # the honeypot: people never see it, so only a bot fills it in
        return redirect(reverse("public-thanks"))
    try:
        sent = submit(data)
    except ValidationError as exc:
        form.add_error(None, exc.messages)
        return None
    return redirect(reverse("public-thanks") + f"?reference={sent.reference}")


def opt_out(request: HttpRequest, pk: int) -> HttpResponse:
    organization = selectors.public_organization_get(pk=pk, kind=Organization.Kind.SCHOOL)
    form = tool_forms.OptOutForm(request.POST or None, tools=_school_tools(organization),
                                 initial={"tool": request.GET.get("tool")})
    sent = _public_post(request, form, lambda data: services.opt_out_submit(
        school=organization, sender=_sender(request), **data))
    return sent or render(request, "public/form.html", _context(
        request, organization=organization, form=form, kind="opt_out",
        title=_("Ask to keep your child out of an AI tool")))


def concern(request: HttpRequest, pk: int) -> HttpResponse:
    organization = selectors.public_organization_get(pk=pk, kind=Organization.Kind.SCHOOL)
    form = tool_forms.ConcernForm(request.POST or None, tools=_school_tools(organization),
                                  initial={"tool": request.GET.get("tool")})
    sent = _public_post(request, form, lambda data: services.incident_report(
        actor=None, organization=organization, sender=_sender(request), **data))
    return sent or render(request, "public/form.html", _context(
        request, organization=organization, form=form, kind="concern", title=_("Report a concern about AI")))


def thanks(request: HttpRequest) -> HttpResponse:
    reference = request.GET.get("reference", "")[:12]
    return render(request, "public/thanks.html", _context(request, reference=reference))


def status(request: HttpRequest) -> HttpResponse:
    form = tool_forms.StatusForm(request.GET or None)
    found = None
    if form.is_valid():
        found = selectors.public_incident_get(reference=form.cleaned_data["reference"])
        if found is None:
            form.add_error("reference", _("We found no message with that reference number. Check it and try again."))
    return render(request, "public/status.html", _context(request, form=form, found=found))


# Error pages: under /public/ and /es/ they are public pages, in the page's language; elsewhere
# they are the staff pages (trellis/core/templates).

def _is_public(request: HttpRequest) -> bool:
    return request.path.startswith(("/public/", "/es/"))


def _public_error(request: HttpRequest, code: int) -> HttpResponse:
    page = loader.get_template("public/error.html").render(public_context(request, code=code))
    return HttpResponse(page, status=code)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if _is_public(request):
        return _public_error(request, 404)
    return defaults.page_not_found(request, exception)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    if _is_public(request):
        return _public_error(request, 403)
    return defaults.permission_denied(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    if _is_public(request):
        return _public_error(request, 500)
    return defaults.server_error(request)
