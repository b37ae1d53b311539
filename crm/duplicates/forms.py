"""Forms of the duplicates pages: the queue's filter and the merge choices."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from crm.core.forms import StyledForm
from crm.duplicates.models import Decision, Entity, PairStatus


class PairFilterForm(StyledForm):
    entity = forms.ChoiceField(
        label=_("Records"), choices=Entity.choices, required=False
    )
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("", _("All")), *Decision.choices],
        required=False,
    )
    status = forms.ChoiceField(
        label=_("Status"), choices=PairStatus.choices, required=False
    )


class MergeForm(forms.Form):
    """The survivor and, per field, the record whose value is kept (radio buttons
    drawn by the comparison table)."""

    def __init__(self, *args, ids: list[int], fields: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(str(pk), str(pk)) for pk in ids]
        self.fields["survivor"] = forms.TypedChoiceField(
            label=_("Record to keep"), choices=choices, coerce=int
        )
        self.field_names = fields
        for name in fields:
            self.fields[f"f:{name}"] = forms.TypedChoiceField(
                choices=choices, coerce=int, required=False
            )

    def choices(self) -> dict[str, int]:
        return {
            name: self.cleaned_data[f"f:{name}"]
            for name in self.field_names
            if self.cleaned_data.get(f"f:{name}") not in (None, "")
        }
