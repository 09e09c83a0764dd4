from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _
from django.views.generic import UpdateView

from lms.forms import ProfileForm


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
