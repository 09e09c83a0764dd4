import json

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.generic import FormView, UpdateView

from lms import selectors, services
from lms.forms import ProfileForm, WithdrawForm


class ProfileView(LoginRequiredMixin, UpdateView):
    """A person edits their own profile; nobody else's is reachable here."""

    form_class = ProfileForm
    template_name = "lms/profile.html"
    success_url = reverse_lazy("profile")

    def get_object(self, queryset=None):
        return self.request.user

    def form_valid(self, form):
        messages.success(self.request, _("Your profile has been saved."))
        return super().form_valid(form)


class PersonalDataDownloadView(LoginRequiredMixin, View):
    """The signed-in person's own data as a JSON file."""

    def get(self, request):
        data = selectors.user_personal_data(user=request.user)
        filename = f"my-data-{timezone.localdate():%Y%m%d}.json"
        response = HttpResponse(
            json.dumps(data, ensure_ascii=False, indent=2),
            content_type="application/json; charset=utf-8",
        )
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        response["Cache-Control"] = "no-store"
        return response


class WithdrawView(LoginRequiredMixin, FormView):
    """Delete one's own account after confirming with the password."""

    form_class = WithdrawForm
    template_name = "lms/withdraw.html"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def form_valid(self, form):
        user = self.request.user
        try:
            services.user_withdraw(user=user)
        except services.AccountError as exc:
            messages.error(self.request, str(exc))
            return redirect("profile")
        logout(self.request)
        messages.success(
            self.request, _("Your account and personal information have been deleted.")
        )
        return redirect("/")
