import json
import re

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.mixins import LoginRequiredMixin
from django.db import DatabaseError, connection
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse, reverse_lazy
from django.utils import timezone, translation
from django.utils.cache import get_conditional_response, patch_vary_headers
from django.utils.http import http_date
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.generic import FormView, UpdateView

from lms import selectors, services
from lms.forms import ProfileForm, WithdrawForm
from lms.models import CalendarFeed


class ProfileView(LoginRequiredMixin, UpdateView):
    """A person edits their own profile; nobody else's is reachable here."""

    form_class = ProfileForm
    template_name = "lms/profile.html"
    success_url = reverse_lazy("profile")

    def get_object(self, queryset=None):
        return self.request.user

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        feed = CalendarFeed.objects.filter(user=self.request.user).first()
        if feed:
            url = settings.SITE_URL + reverse("calendar_feed", args=[feed.token])
            context["feed_url"] = url
            context["feed_webcal_url"] = "webcal://" + url.split("://", 1)[1]
        return context

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


class PersonalDataPageView(LoginRequiredMixin, View):
    """The same data as the download, as a page people can read (and print)."""

    def get(self, request):
        data = selectors.user_personal_data(user=request.user)
        response = TemplateResponse(request, "lms/my_data.html", {"data": data})
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


def calendar_feed(request, token: str):
    """The private subscription feed: everything the person attends, from every app that has
    calendar events (``selectors.personal_calendar``).  Conditional GET: clients polling an
    unchanged calendar get 304.

    The bytes are written only when something in them changed (``CachedCalendar``, in the
    ``calendar-feeds`` cache: Redis, or a database table of their own), and kept gzipped: a calendar app that
    accepts gzip (phones' do) gets them as they are, about a twentieth of the size, and the
    server neither decompresses nor sends 240 KB.  The ETag is the digest of what goes into
    the bytes, so a 304 needs neither the cache nor the writer; the gzipped representation's
    is weak (``W/``), as Django's GZipMiddleware makes it, and either matches."""
    if not (token.isascii() and token.isprintable()):
        raise Http404  # no token has such characters, and PostgreSQL refuses NUL in a query
    feed = CalendarFeed.objects.select_related("user").filter(token=token).first()
    if feed is None or not feed.user.is_active:
        raise Http404
    gzipped = accepts_gzip(request)
    with translation.override(feed.user.preferred_language):
        calendar = selectors.personal_calendar(request, feed=feed)
        stamp = calendar.stamp
        # By the ETag alone: Last-Modified is the latest change of an event or a place, which
        # a renamed venue or mentoring partner does not move, so a client asking by date
        # alone gets the calendar again rather than a stale "not modified".
        response = get_conditional_response(request, etag=calendar.etag)
        if response is None:
            response = HttpResponse(
                calendar.body(gzipped=gzipped), content_type="text/calendar; charset=utf-8"
            )
            if gzipped:
                response["Content-Encoding"] = "gzip"
    response["ETag"] = f"W/{calendar.etag}" if gzipped else calendar.etag
    response["Last-Modified"] = http_date(stamp.timestamp())
    response["Cache-Control"] = "private, max-age=0, must-revalidate"
    patch_vary_headers(response, ("Accept-Encoding",))
    return response


def accepts_gzip(request) -> bool:
    """Whether the request's ``Accept-Encoding`` takes gzip (``gzip;q=0`` refuses it)."""
    for coding in request.headers.get("Accept-Encoding", "").split(","):
        name, _sep, params = coding.partition(";")
        if name.strip().lower() == "gzip":
            return not GZIP_REFUSED.fullmatch("".join(params.split()).lower())
    return False


GZIP_REFUSED = re.compile(r"q=0(\.0{0,3})?")  # a q-value of zero


class CalendarFeedView(LoginRequiredMixin, View):
    """Make a new private feed URL (the old one stops working) or switch the feed off."""

    def post(self, request):
        if request.POST.get("action") == "revoke":
            services.calendar_feed_revoke(user=request.user)
            messages.success(request, _("Your calendar feed is switched off."))
        else:
            services.calendar_feed_regenerate(user=request.user)
            messages.success(
                request,
                _("Your calendar has a new private address. The old address no longer works."),
            )
        return redirect(reverse("profile") + "#calendar")


def health(request):
    """The floor endpoint and load-balancer check: one trivial query through the full middleware.

    200 ``ok`` when the database answers; 503 with the reason when it does not, so a balancer
    takes the process out of rotation. Benchmarks measure pages against this one.
    """
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return HttpResponse(
            "database unavailable\n", status=503, content_type="text/plain; charset=utf-8"
        )
    return HttpResponse("ok\n", content_type="text/plain; charset=utf-8")
