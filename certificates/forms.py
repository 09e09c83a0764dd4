from django import forms
from django.utils.translation import gettext_lazy as _


class VerificationCodeForm(forms.Form):
    code = forms.CharField(
        label=_("Verification code"),
        help_text=_(
            "As printed under the QR code, e.g. 7K3M-Q9XD-… (hyphens and spaces are fine)."
        ),
        max_length=80,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )
