"""Forms of the import pages."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from crm.imports.models import ImportEntity


class ImportUploadForm(forms.Form):
    entity = forms.ChoiceField(
        label=_("What the file holds"),
        choices=ImportEntity.choices,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    file = forms.FileField(
        label=_("File"),
        help_text=_(
            "CSV (UTF-8 or Windows-1251, separated by ; or ,) or XLSX; the first "
            "row names the columns."
        ),
        widget=forms.ClearableFileInput(
            attrs={"class": "form-control", "accept": ".csv,.txt,.xlsx"}
        ),
    )


class MappingForm(forms.Form):
    """One select per column of the file: the field it goes into, or skipped."""

    def __init__(self, *args, job, fields, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        choices = [("", _("— skip —"))] + [
            (f.name, f"{f.label}{' *' if f.required else ''}") for f in fields
        ]
        for index, header in enumerate(job.headers):
            self.fields[f"col_{index}"] = forms.ChoiceField(
                label=header or f"#{index + 1}",
                choices=choices,
                required=False,
                initial=job.mapping.get(str(index), ""),
                widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
            )

    def mapping(self) -> dict[str, str]:
        return {
            name.removeprefix("col_"): value
            for name, value in self.cleaned_data.items()
            if value
        }


class TemplateSaveForm(forms.Form):
    name = forms.CharField(
        label=_("Template name"),
        max_length=100,
        widget=forms.TextInput(attrs={"class": "form-control form-control-sm"}),
    )
