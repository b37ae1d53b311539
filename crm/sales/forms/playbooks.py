"""Forms of typical sales models, deals' action plans, the plans overview and
"derive a model". They parse input; the services check the rules."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.forms import formset_factory
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.accounts.models import Team
from crm.core.forms import StyledForm
from crm.core.visibility import Role
from crm.sales.models import Pipeline, SalesModel
from crm.sales.selectors.playbooks import (
    MAX_AT_RISK_DAYS,
    PLAN_STATES,
    applicable_sales_models,
)
from crm.sales.services.playbooks import MAX_OFFSET_DAYS

USERS = get_user_model().objects
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _users():
    return get_user_model().objects.filter(is_active=True)


def _pipelines():
    return Pipeline.objects.filter(is_active=True)


def set_queryset(form: forms.Form, name: str, queryset) -> None:
    """Give a model choice field its rows, known only when the form is made."""
    field = form.fields[name]
    assert isinstance(field, forms.ModelChoiceField)
    field.queryset = queryset


class SalesModelForm(StyledForm):
    name = forms.CharField(label=_("Name"), max_length=200)
    description = forms.CharField(
        label=_("Description"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    pipeline = forms.ModelChoiceField(
        label=_("Pipeline"),
        queryset=Pipeline.objects.none(),
        required=False,
        empty_label=_("Any pipeline"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        set_queryset(self, "pipeline", _pipelines())


class SalesModelStepForm(StyledForm):
    title = forms.CharField(label=_("Step"), max_length=300)
    description = forms.CharField(
        label=_("What to do"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    responsible_role = forms.ChoiceField(
        label=_("Responsible role"),
        required=False,
        choices=[("", _("— the deal's owner —")), *Role.choices],
    )
    responsible_team = forms.ModelChoiceField(
        label=_("or department"),
        queryset=Team.objects.none(),
        required=False,
        empty_label="—",
    )
    offset_days = forms.IntegerField(
        label=_("Deadline, days from start"),
        min_value=0,
        max_value=MAX_OFFSET_DAYS,
        initial=0,
    )
    is_required = forms.BooleanField(label=_("Required"), required=False, initial=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        set_queryset(self, "responsible_team", Team.objects.all())


class ApplyModelForm(StyledForm):
    compact = True

    model = forms.ModelChoiceField(label=_("Model"), queryset=SalesModel.objects.none())
    start = forms.DateField(label=_("Plan start"), widget=DATE)

    def __init__(self, *args, actor, deal, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("start", timezone.localdate())
        super().__init__(*args, **kwargs)
        set_queryset(self, "model", applicable_sales_models(actor=actor, deal=deal))


class PlanStepAddForm(StyledForm):
    compact = True

    title = forms.CharField(label=_("Step"), max_length=300)
    due_date = forms.DateField(label=_("Deadline"), widget=DATE)
    responsible = forms.ModelChoiceField(
        label=_("Responsible"),
        queryset=USERS.none(),
        required=False,
        empty_label=None,
    )
    is_required = forms.BooleanField(label=_("Required"), required=False)

    def __init__(self, *args, deal, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("responsible", deal.owner_id)
        super().__init__(*args, **kwargs)
        set_queryset(self, "responsible", _users())


class PlanOverviewFilterForm(StyledForm):
    compact = True

    state = forms.ChoiceField(
        label=_("State"),
        required=False,
        choices=[("", _("Overdue and at risk")), *PLAN_STATES.items()],
    )
    group = forms.ChoiceField(
        label=_("Group by"),
        required=False,
        choices=[("deal", _("Deal")), ("responsible", _("Responsible"))],
    )
    days = forms.IntegerField(
        label=_("At risk within, days"),
        required=False,
        min_value=0,
        max_value=MAX_AT_RISK_DAYS,
    )
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
        label=_("Deal owner"),
        queryset=USERS.none(),
        required=False,
        empty_label=_("all"),
    )
    responsible = forms.ModelChoiceField(
        label=_("Responsible"),
        queryset=USERS.none(),
        required=False,
        empty_label=_("all"),
    )

    def __init__(self, *args, managers, **kwargs):
        super().__init__(*args, **kwargs)
        set_queryset(self, "pipeline", _pipelines())
        set_queryset(self, "team", Team.objects.all())
        set_queryset(self, "manager", managers)
        set_queryset(self, "responsible", _users())

    def filters(self) -> dict:
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        return {
            "state": data.get("state") or None,
            "group": data.get("group") or "deal",
            "days": data.get("days"),
            "pipeline": data.get("pipeline"),
            "team": data.get("team"),
            "manager": data.get("manager"),
            "responsible": data.get("responsible"),
        }


class DeriveForm(StyledForm):
    pipeline = forms.ModelChoiceField(
        label=_("Pipeline"), queryset=Pipeline.objects.none(), empty_label=None
    )
    since = forms.DateField(
        label=_("Won since"),
        required=False,
        widget=DATE,
        help_text=_("Leave empty to learn from all won deals."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        set_queryset(self, "pipeline", Pipeline.objects.all())


class ProposalSaveForm(StyledForm):
    name = forms.CharField(label=_("Name of the new model"), max_length=200)
    description = forms.CharField(
        label=_("Description"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ProposalStepForm(StyledForm):
    compact = True

    keep = forms.BooleanField(label=_("Keep"), required=False)
    title = forms.CharField(label=_("Step"), max_length=300)
    offset_days = forms.IntegerField(
        label=_("Days from start"), min_value=0, max_value=MAX_OFFSET_DAYS
    )
    is_required = forms.BooleanField(label=_("Required"), required=False)


ProposalStepFormSet = formset_factory(ProposalStepForm, extra=0)
