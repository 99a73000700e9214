"""The governance box on an organization's page: what its AI lead must act on."""

from __future__ import annotations

from typing import Any

from django import template

from trellis.tools import selectors

register = template.Library()


@register.inclusion_tag("tools/_home_alerts.html", takes_context=True)
def governance_alerts(context: dict[str, Any], organization: Any) -> dict[str, Any]:
    user = context["request"].user
    district = selectors.district_of(organization)
    alerts = selectors.district_alerts(user=user, district=district) if district is not None else []
    waiting = selectors.opt_outs_for(user=user, within=organization).filter(status="received")
    count = waiting.count()
    if count:
        alerts.append(f"{count} family opt-out request{'s are' if count > 1 else ' is'} waiting for an answer.")
    return {"alerts": alerts, "district": district, "organization": organization}
