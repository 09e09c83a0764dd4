"""Public volunteer pages: the three-step sign-up (works without JavaScript; answers kept in
the session between steps) and the volunteer's own page."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from lms import ratelimit
from lms.links import privacy_policy_url
from lms.models import User
from volunteers import selectors, services
from volunteers.forms import AboutYouForm, ConsentForm, WhatYouWouldLikeForm, profile_data
from volunteers.models import VolunteerProfile

SESSION_KEY = "volunteer_signup"
STEPS = {
    1: (AboutYouForm, gettext_lazy("About you")),
    2: (WhatYouWouldLikeForm, gettext_lazy("What you would like to do")),
    3: (ConsentForm, gettext_lazy("Check and agree")),
}
SIGNUPS = ratelimit.HourlySuccessLimit("volunteer-signup")


class SignUpView(View):
    """One step of the sign-up.  Each step's answers are validated and kept in the session;
    the last step validates all of them again and creates everything in one transaction."""

    template_name = "volunteers/signup.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and hasattr(request.user, "volunteer_profile"):
            messages.info(request, _("You are already registered as a volunteer."))
            return redirect("volunteers:home")
        return super().dispatch(request, *args, **kwargs)

    # Forms -------------------------------------------------------------------------------------

    def make_form(self, step: int, data=None):
        form_class = STEPS[step][0]
        signed_in = self.request.user.is_authenticated
        if step == 1:
            initial = (
                {
                    "full_name": self.request.user.full_name,
                    "full_name_kana": self.request.user.full_name_kana,
                }
                if signed_in
                else {}
            )
            return form_class(data, with_email=not signed_in, initial=initial)
        if step == 3:
            stored = self.stored(1)
            return form_class(
                data,
                with_password=not signed_in,
                user_facts={
                    "email": stored.get("email", [""])[0],
                    "full_name": stored.get("full_name", [""])[0],
                },
            )
        return form_class(data)

    def stored(self, step: int) -> dict:
        return self.request.session.get(SESSION_KEY, {}).get(str(step), {})

    def store(self, step: int, form) -> None:
        answers = self.request.session.get(SESSION_KEY, {})
        answers[str(step)] = {
            key: form.data.getlist(key) for key in form.data if key != "csrfmiddlewaretoken"
        }
        self.request.session[SESSION_KEY] = answers

    def stored_form(self, step: int):
        """The earlier step's answers as a bound form (None when that step was not done)."""
        from django.utils.datastructures import MultiValueDict

        answers = self.stored(step)
        return self.make_form(step, MultiValueDict(answers)) if answers else None

    def answers(self, step: int) -> dict:
        form = self.stored_form(step)
        form.is_valid()
        return form.cleaned_data

    def first_missing_step(self, before: int) -> int | None:
        for step in range(1, before):
            form = self.stored_form(step)
            if form is None or not form.is_valid():
                return step
        return None

    # Requests ----------------------------------------------------------------------------------

    def get(self, request, step: int = 1):
        if step not in STEPS:
            raise Http404
        missing = self.first_missing_step(step)
        if missing:
            return redirect("volunteers:signup_step", step=missing)
        form = self.stored_form(step) if step < 3 else None
        if form is not None:
            form.errors.clear()  # show the saved answers without re-raising old errors
        return self.render(step, form or self.make_form(step))

    def post(self, request, step: int = 1):
        if step not in STEPS:
            raise Http404
        form = self.make_form(step, request.POST)
        if form.is_bot():
            request.session.pop(SESSION_KEY, None)
            messages.error(request, _("We could not accept this form. Please try again."))
            return redirect("volunteers:signup_step", step=1)
        if not form.is_valid():
            return self.render(step, form, status=200)
        if step == 1 and not request.user.is_authenticated:
            email = form.cleaned_data["email"]
            if User.objects.filter(email__iexact=email).exists():
                form.add_error(
                    "email",
                    _(
                        "This email address is already registered. Please sign in first; "
                        "your answers will then be added to your account."
                    ),
                )
                return self.render(step, form, status=200, sign_in_hint=True)
        if step < 3:
            self.store(step, form)
            return redirect("volunteers:signup_step", step=step + 1)
        return self.finish(form)

    def finish(self, consent_form):
        request = self.request
        missing = self.first_missing_step(3)
        if missing:
            return redirect("volunteers:signup_step", step=missing)
        if SIGNUPS.reached(request, per_hour=settings.VOLUNTEER_SIGNUPS_PER_HOUR):
            consent_form.add_error(
                None,
                _(
                    "Too many sign-ups have come from your connection in the last hour. "
                    "Please try again later, or ask your social welfare council to help."
                ),
            )
            return self.render(3, consent_form, status=429)
        about, wishes = self.answers(1), self.answers(2)
        data = profile_data(about, wishes)
        try:
            with transaction.atomic():
                if request.user.is_authenticated:
                    profile = self.register_signed_in(about, data)
                else:
                    profile = services.volunteer_sign_up(
                        email=about["email"],
                        password=consent_form.cleaned_data["password1"],
                        full_name=about["full_name"],
                        full_name_kana=about["full_name_kana"],
                        language=(request.LANGUAGE_CODE or "ja")[:2],
                        data=data,
                    )
                    profile.user.emailaddress_set.get().send_confirmation(request, signup=True)
        except services.VolunteerError as error:
            consent_form.add_error(None, str(error))
            return self.render(3, consent_form, status=200)
        SIGNUPS.record(request)
        request.session.pop(SESSION_KEY, None)
        if request.user.is_authenticated:
            messages.success(request, _("Thank you for signing up as a volunteer."))
            return redirect("volunteers:home")
        request.session["volunteer_signup_email"] = profile.user.email
        return redirect("volunteers:signup_sent")

    def register_signed_in(self, about: dict, data: dict) -> VolunteerProfile:
        user = self.request.user
        user.full_name, user.full_name_kana = about["full_name"], about["full_name_kana"]
        user.save(update_fields=["full_name", "full_name_kana"])
        return services.volunteer_register(user=user, data=data)

    def render(self, step: int, form, status: int = 200, **extra):
        context = {
            "form": form,
            "step": step,
            "steps": [(number, label) for number, (_form, label) in STEPS.items()],
            "step_title": STEPS[step][1],
            "privacy_url": privacy_policy_url(),
            "purpose_version": settings.VOLUNTEER_PURPOSE_VERSION,
            **extra,
        }
        if step == 3:
            context["summary"] = self.summary()
        return TemplateResponse(self.request, self.template_name, context, status=status)

    def summary(self) -> list[tuple[str, str, int]]:
        """The answers of steps 1 and 2 in words, for checking before agreeing."""
        rows = []
        for step in (1, 2):
            form = self.stored_form(step)
            if form is None or not form.is_valid():
                continue
            for name, field in form.fields.items():
                if name == form.honeypot_field:
                    continue
                value = form.cleaned_data.get(name)
                if hasattr(field, "choices") and not hasattr(value, "all"):
                    choices = dict(field.choices)
                    if isinstance(value, list):
                        value = "、".join(str(choices.get(v, v)) for v in value)
                    elif value not in (None, ""):
                        value = str(choices.get(value, value))
                if hasattr(value, "__iter__") and not isinstance(value, str):
                    value = "、".join(str(v) for v in value)
                rows.append(
                    (str(field.label), str(value) if value not in (None, "") else "—", step)
                )
        return rows


class SignUpSentView(View):
    def get(self, request):
        email = request.session.get("volunteer_signup_email")
        if not email:
            return redirect("volunteers:signup_step", step=1)
        return TemplateResponse(request, "volunteers/signup_sent.html", {"email": email})


class VolunteerHomeView(LoginRequiredMixin, View):
    """The volunteer's own page: stage, next step, recommended training, hours, insurance."""

    def get(self, request):
        page = selectors.volunteer_own_page(user=request.user)
        if page is None:
            return TemplateResponse(
                request,
                "volunteers/home.html",
                {"profile": None, "signup_url": reverse("volunteers:signup")},
            )
        return TemplateResponse(request, "volunteers/home.html", page)
