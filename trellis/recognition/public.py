"""Recognition for the public: each programme's criteria, each credential with its status, the
issuer's profile and key (for any Open Badges verifier), and a page that checks a credential."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from trellis.recognition import badges, selectors, services
from trellis.recognition.forms import VerifyForm
from trellis.tools.public import public_context


def issuer_profile(request: HttpRequest) -> JsonResponse:
    profile = {"@context": ["https://www.w3.org/ns/credentials/v2",
                            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"], **badges.issuer().profile()}
    return JsonResponse(profile, json_dumps_params={"indent": 2})


def issuer_key(request: HttpRequest) -> JsonResponse:
    return JsonResponse(badges.public_jwk(), json_dumps_params={"indent": 2})


def programme(request: HttpRequest, pk: int) -> HttpResponse:
    return render(request, "public/recognition_programme.html", public_context(
        request, programme=selectors.programme_get(pk=pk)))


def credential(request: HttpRequest, identifier: str) -> HttpResponse:
    found = selectors.credential_get(identifier=identifier)
    _, _, problem = services.credential_verify(found.token)
    return render(request, "public/credential.html", public_context(request, credential=found, problem=problem))


def credential_token(request: HttpRequest, identifier: str) -> HttpResponse:
    found = selectors.credential_get(identifier=identifier)
    response = HttpResponse(found.token, content_type="application/vc+jwt")
    response["Content-Disposition"] = f'attachment; filename="credential-{found.identifier}.jwt"'
    return response


def credential_status(request: HttpRequest, identifier: str) -> JsonResponse:
    found = selectors.credential_get(identifier=identifier)
    return JsonResponse({"id": found.document["id"], "revoked": found.revoked_at is not None,
                         "reason": found.revoked_reason, "validUntil": found.document.get("validUntil")})


def verify(request: HttpRequest) -> HttpResponse:
    form = VerifyForm(request.POST if request.method == "POST" else None)
    result = None
    if request.method == "POST" and form.is_valid():
        found, content, problem = services.credential_verify(form.cleaned_data["token"])
        result = {"valid": not problem, "problem": problem, "credential": found, "content": content}
    return render(request, "public/credential_verify.html", public_context(request, form=form, result=result),
                  status=400 if form.errors else 200)
