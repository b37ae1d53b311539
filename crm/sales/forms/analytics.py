"""The filter form of the analytics pages."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from crm.accounts.models import Team
from crm.core.forms import StyledForm
from crm.sales.forms.playbooks import set_queryset
from crm.sales.models import Currency, Pipeline
from crm.sales.selectors.analytics import PERIODS

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class AnalyticsFilterForm(StyledForm):
    compact = True

    period = forms.ChoiceField(
        label=_("Period"),
        required=False,
        choices=[("", _("All time")), *PERIODS.items()],
    )
    date_from = forms.DateField(label=_("From"), required=False, widget=DATE)
    date_to = forms.DateField(label=_("To"), required=False, widget=DATE)
    pipeline = forms.ModelChoiceField(
        label=_("Pipeline"),
        queryset=Pipeline.objects.none(),
        required=False,
        empty_label=_("all"),
    )
    team = forms.ModelChoiceField(
        label=_("Team"),
        queryset=Team.objects.none(),
        required=False,
        empty_label=_("all"),
    )
    manager = forms.ModelChoiceField(
        label=_("Manager"),
        queryset=get_user_model().objects.none(),
        required=False,
        empty_label=_("all"),
    )
    currency = forms.ChoiceField(
        label=_("Currency"), required=False, choices=Currency.choices
    )

    def __init__(self, *args, managers, **kwargs):
        super().__init__(*args, **kwargs)
        set_queryset(self, "pipeline", Pipeline.objects.all())
        set_queryset(self, "team", Team.objects.all())
        set_queryset(self, "manager", managers)

    def values(self) -> dict:
        """What `analytics_filters` takes; an invalid form filters nothing."""
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        return {
            "period": data.get("period") or None,
            "date_from": data.get("date_from"),
            "date_to": data.get("date_to"),
            "pipeline": data.get("pipeline"),
            "team": data.get("team"),
            "manager": data.get("manager"),
            "currency": data.get("currency") or None,
        }
