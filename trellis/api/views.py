"""The API tokens page and the API's human-readable documentation."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from trellis.api.api import api
from trellis.api.forms import ApiTokenForm
from trellis.api.selectors import api_token_get, api_tokens_of
from trellis.api.services import api_token_create, api_token_revoke


@login_required
def api_tokens(request: HttpRequest) -> HttpResponse:
    form = ApiTokenForm(request.POST or None)
    secret = ""
    if request.method == "POST" and form.is_valid():
        try:
            token, secret = api_token_create(actor=request.user, name=form.cleaned_data["name"])
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            # The secret is shown in this answer only; it is not kept, so it cannot be shown again.
            form = ApiTokenForm()
            messages.success(request, f"The token “{token.name}” is made. Copy it now: it will not be shown again.")
    return render(request, "api/tokens.html", {
        "form": form, "tokens": api_tokens_of(user=request.user), "secret": secret,
        "base_url": request.build_absolute_uri(reverse("api:api-root")),
    })


@login_required
@require_POST
def api_token_revoke_view(request: HttpRequest, pk: int) -> HttpResponse:
    token = api_token_get(user=request.user, pk=pk)
    api_token_revoke(actor=request.user, token=token)
    messages.success(request, f"The token “{token.name}” is revoked. Programs using it can no longer read anything.")
    return redirect("api-tokens")


def api_docs(request: HttpRequest) -> HttpResponse:
    """The OpenAPI schema in plain words: each endpoint, what it returns and its parameters."""
    schema = api.get_openapi_schema(path_prefix=reverse("api:api-root"))
    endpoints: list[dict[str, Any]] = []
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            endpoints.append({
                "method": method.upper(), "path": path, "summary": operation.get("summary", ""),
                "description": operation.get("description", ""),
                "parameters": operation.get("parameters", []),
            })
    return render(request, "api/docs.html", {
        "endpoints": endpoints, "description": schema["info"].get("description", ""),
        "schema_url": reverse("api:openapi-json"),
    })
