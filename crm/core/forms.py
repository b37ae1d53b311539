"""Form plumbing shared by every app: Bootstrap styling and turning a service's
`DomainError` into errors on the form's fields."""

from __future__ import annotations

from django import forms

from crm.core.errors import DomainError


class StyledFormMixin:
    """Give every widget Bootstrap's classes, so templates can render `{{ field }}`."""

    compact = False

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        size = "-sm" if self.compact else ""
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select | forms.SelectMultiple):
                css = f"form-select form-select{size}" if size else "form-select"
            else:
                css = f"form-control form-control{size}" if size else "form-control"
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()

    def full_clean(self):
        super().full_clean()
        for name in getattr(self, "errors", {}):
            if name in self.fields:
                widget = self.fields[name].widget
                widget.attrs["class"] = f"{widget.attrs.get('class', '')} is-invalid"
                widget.attrs["aria-invalid"] = "true"


class StyledForm(StyledFormMixin, forms.Form):
    pass


class StyledModelForm(StyledFormMixin, forms.ModelForm):
    pass


def apply_domain_error(
    form: forms.BaseForm, error: DomainError, field_map=None
) -> None:
    """Show a service's error on the matching form field (or above the form).

    `field_map` translates service field names to form field names
    (`custom_fields.size` → `cf_size`).
    """
    field_map = field_map or {}
    for field, messages in error.all_errors.items():
        name = field_map.get(field, field)
        if name and name.startswith("custom_fields."):
            name = "cf_" + name.split(".", 1)[1]
        target = name if name in form.fields else None
        for message in messages:
            form.add_error(target, str(message))
            if target:
                widget = form.fields[target].widget
                widget.attrs["class"] = f"{widget.attrs.get('class', '')} is-invalid"
