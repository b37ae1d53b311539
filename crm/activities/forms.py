"""Forms of the activities pages: tasks, logged activities, uploads and list filters.

Forms only parse; the services check and write. Company and contact pickers show the
chosen record and search the rest as you type, because a million contacts do not fit
in a drop-down.
"""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from crm.activities.models import (
    ActivityKind,
    Direction,
    TaskPriority,
    TaskStatus,
)
from crm.activities.selectors import ACTIVE
from crm.core import visibility
from crm.core.forms import StyledForm
from crm.customers.models import Company, Contact

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"
LOGGABLE_KIND_CHOICES = [
    (ActivityKind.CALL, _("Call")),
    (ActivityKind.NOTE, _("Note")),
    (ActivityKind.MEETING, _("Meeting")),
    (ActivityKind.EMAIL, _("E-mail")),
]

# What each kind of quick log keeps; the form shows only these (CSS, no script).
KIND_FIELDS: dict[str, tuple[str, ...]] = {
    ActivityKind.CALL: (
        "subject",
        "body",
        "occurred_at",
        "direction",
        "duration_minutes",
        "outcome",
    ),
    ActivityKind.NOTE: ("subject", "body", "occurred_at"),
    ActivityKind.MEETING: (
        "subject",
        "body",
        "occurred_at",
        "ends_at",
        "location",
        "outcome",
    ),
    ActivityKind.EMAIL: ("subject", "body", "occurred_at", "direction"),
}


class DateTimeLocalInput(forms.DateTimeInput):
    """The browser's own date and time picker; the value is in the user's zone."""

    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format=DATETIME_FORMAT)


def datetime_field(label, required: bool = False) -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label,
        required=required,
        widget=DateTimeLocalInput(),
        input_formats=[DATETIME_FORMAT, "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"],
    )


class ClientPicker(forms.Select):
    """A select that holds only the chosen company or contact, and a search box that
    fills it with matches (htmx)."""

    template_name = "activities/widgets/client_picker.html"

    def __init__(self, entity: str, attrs=None):
        super().__init__(attrs=attrs)
        self.entity = entity

    def optgroups(self, name, value, attrs=None):
        chosen = [v for v in value if v]
        queryset = getattr(self.choices, "queryset", None)
        options = [self.create_option(name, "", "—", not chosen, 0)]
        if chosen and queryset is not None:
            for index, obj in enumerate(queryset.filter(pk__in=chosen)[:1], start=1):
                options.append(self.create_option(name, obj.pk, str(obj), True, index))
        return [(None, options, 0)]

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["widget"]["lookup_url"] = reverse(
            "activities:client-lookup", args=[self.entity]
        )
        context["widget"]["lookup_name"] = f"{name}_lookup"
        context["widget"]["entity"] = self.entity
        return context


def _client_field(actor, entity: str, label) -> forms.ModelChoiceField:
    model = Company if entity == "company" else Contact
    return forms.ModelChoiceField(
        label=label,
        required=False,
        queryset=visibility.visible(model.objects.all(), actor),
        widget=ClientPicker(entity),
    )


def _assignee_field(label=None, required: bool = True) -> forms.ModelChoiceField:
    return forms.ModelChoiceField(
        label=label or _("Assignee"),
        required=required,
        queryset=get_user_model().objects.filter(is_active=True),
    )


class TaskForm(StyledForm):
    title = forms.CharField(label=_("Task"), max_length=300)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    due_at = datetime_field(_("Due"))
    priority = forms.ChoiceField(label=_("Priority"), choices=TaskPriority.choices)
    status = forms.ChoiceField(label=_("Status"), choices=TaskStatus.choices)
    remind_at = datetime_field(_("Remind me at"))
    assignee = _assignee_field()
    company = forms.ModelChoiceField(queryset=Company.objects.none(), required=False)
    contact = forms.ModelChoiceField(queryset=Contact.objects.none(), required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, actor, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["company"] = _client_field(actor, "company", _("Company"))
        self.fields["contact"] = _client_field(actor, "contact", _("Contact"))
        for name in ("company", "contact"):
            self.fields[name].widget.attrs["class"] = "form-select"
        if not editing:
            del self.fields["status"]
            del self.fields["version"]


class QuickTaskForm(StyledForm):
    """The short "add a task" form on a card's side panel."""

    compact = True

    title = forms.CharField(label=_("Task"), max_length=300)
    due_at = datetime_field(_("Due"))
    priority = forms.ChoiceField(
        label=_("Priority"), choices=TaskPriority.choices, initial=TaskPriority.NORMAL
    )
    assignee = _assignee_field()

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "quick_task_%s")
        super().__init__(*args, **kwargs)


class ActivityLogForm(StyledForm):
    """The quick "log a call / add a note / schedule a meeting" form of a card."""

    compact = True

    kind = forms.ChoiceField(
        label=_("What happened"),
        choices=LOGGABLE_KIND_CHOICES,
        initial=ActivityKind.CALL,
        widget=forms.RadioSelect,
    )
    subject = forms.CharField(label=_("Subject"), max_length=300, required=False)
    body = forms.CharField(
        label=_("Text"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    occurred_at = datetime_field(_("When"))
    ends_at = datetime_field(_("Ends"))
    direction = forms.ChoiceField(
        label=_("Direction"),
        choices=[("", "—"), *Direction.choices],
        required=False,
    )
    duration_minutes = forms.IntegerField(
        label=_("Duration, min"), required=False, min_value=0
    )
    outcome = forms.CharField(label=_("Outcome"), max_length=300, required=False)
    location = forms.CharField(label=_("Place"), max_length=300, required=False)

    def __init__(self, *args, **kwargs):
        # Own ids: the card page carries other forms with fields of the same names.
        kwargs.setdefault("auto_id", "log_%s")
        super().__init__(*args, **kwargs)
        # Radio buttons are styled as a button group by the template.
        self.fields["kind"].widget.attrs["class"] = "btn-check"


class ActivityForm(StyledForm):
    """Editing a logged activity."""

    subject = forms.CharField(label=_("Subject"), max_length=300, required=False)
    body = forms.CharField(
        label=_("Text"), required=False, widget=forms.Textarea(attrs={"rows": 5})
    )
    occurred_at = datetime_field(_("When"), required=True)
    ends_at = datetime_field(_("Ends"))
    direction = forms.ChoiceField(
        label=_("Direction"),
        choices=[("", "—"), *Direction.choices],
        required=False,
    )
    duration_minutes = forms.IntegerField(
        label=_("Duration, min"), required=False, min_value=0
    )
    outcome = forms.CharField(label=_("Outcome"), max_length=300, required=False)
    location = forms.CharField(label=_("Place"), max_length=300, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class UploadForm(StyledForm):
    compact = True

    file = forms.FileField(label=_("File"))
    description = forms.CharField(label=_("Comment"), max_length=1000, required=False)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "upload_%s")
        super().__init__(*args, **kwargs)


class TaskFilterForm(StyledForm):
    """Filters of the task list; the list opens on the user's own open tasks."""

    compact = True

    q = forms.CharField(label=_("Search"), required=False)
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Any")), (ACTIVE, _("Not done")), *TaskStatus.choices],
    )
    priority = forms.ChoiceField(
        label=_("Priority"),
        required=False,
        choices=[("", _("Any")), *TaskPriority.choices],
    )
    assignee = _assignee_field(required=False)
    due_from = forms.DateField(
        label=_("Due from"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    due_to = forms.DateField(
        label=_("Due to"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)
    company = forms.ModelChoiceField(queryset=Company.objects.none(), required=False)

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        assignee = self.fields["assignee"]
        assert isinstance(assignee, forms.ModelChoiceField)
        assignee.empty_label = _("Anyone")
        self.fields["company"] = _client_field(actor, "company", _("Company"))
        self.fields["company"].widget.attrs["class"] = "form-select form-select-sm"

    def filters(self) -> dict:
        """The selector's filters from the valid fields; invalid ones are left out."""
        if not self.is_bound:
            return {}
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        result = {
            key: data.get(key)
            for key in ("q", "status", "priority", "due_from", "due_to", "overdue")
            if data.get(key)
        }
        if data.get("assignee"):
            result["assignee"] = data["assignee"].pk
        if data.get("company"):
            result["company"] = data["company"].pk
        return result
