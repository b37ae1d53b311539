"""Forms of the webhook settings pages."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from crm.core.forms import StyledForm
from crm.webhooks import catalogue
from crm.webhooks.models import DeliveryStatus


class WebhookForm(StyledForm):
    name = forms.CharField(label=_("Name"), max_length=100)
    url = forms.CharField(
        label=_("Address (URL)"),
        max_length=500,
        help_text=_("Where to POST the events: an http:// or https:// address."),
        widget=forms.URLInput(
            attrs={"placeholder": "https://erp.example.com/hooks/crm"}
        ),
    )
    events = forms.MultipleChoiceField(
        label=_("Events"),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one event.")},
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["events"].choices = list(catalogue.events().items())
        # Checkboxes are drawn by the template, grouped by entity.
        self.fields["events"].widget.attrs["class"] = ""

    def event_groups(self) -> list[dict]:
        chosen = set(self["events"].value() or [])
        groups = []
        for entity, events in catalogue.grouped():
            label = catalogue.ENTITIES.get(entity, entity)
            groups.append(
                {
                    "entity": entity,
                    "label": label,
                    "events": [
                        {"name": name, "label": text, "checked": name in chosen}
                        for name, text in events
                    ],
                }
            )
        return groups


class DeliveryFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("all")), *DeliveryStatus.choices],
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )
