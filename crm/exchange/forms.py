from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("CommerceML file (import.xml, offers.xml, orders.xml…) or a zip"),
        widget=forms.ClearableFileInput(
            attrs={"class": "form-control", "accept": ".xml,.zip"}
        ),
    )


class ExchangeUserForm(forms.Form):
    user = forms.ModelChoiceField(
        label=_("1C signs in as"),
        queryset=get_user_model().objects.filter(is_active=True),
        required=False,
        empty_label=_("— administrators only —"),
        widget=forms.Select(attrs={"class": "form-select"}),
    )
