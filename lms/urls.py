from allauth.account.views import SignupView
from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.conf.urls.static import static
from django.contrib import admin
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from cms import views as cms_views
from lms import pageserving
from lms import views as lms_views

# The Django admin (django-q2's task queue) signs in through the same rate-limited login page.
admin.site.login = login_required(admin.site.login)

urlpatterns = [
    path("admin/", include(wagtailadmin_urls)),
    # The private calendar feed: outside the language prefix, the token is the whole key.
    path("calendar/<str:token>.ics", lms_views.calendar_feed, name="calendar_feed"),
    path("django-admin/", admin.site.urls),
    path("documents/", include(wagtaildocs_urls)),
    path("i18n/", include("django.conf.urls.i18n")),
    path("health/", lms_views.health, name="health"),
    path("sitemap.xml", cms_views.sitemap, name="sitemap"),
]

urlpatterns += i18n_patterns(
    # Sign-up writes a user, an email address and a queued message: all or nothing.
    path("accounts/signup/", transaction.atomic(SignupView.as_view()), name="account_signup"),
    path("accounts/", include("allauth.urls")),
    path("profile/", lms_views.ProfileView.as_view(), name="profile"),
    path("profile/my-data/", lms_views.PersonalDataDownloadView.as_view(), name="profile_data"),
    path(
        "profile/my-data/view/", lms_views.PersonalDataPageView.as_view(), name="profile_data_page"
    ),
    path("profile/withdraw/", lms_views.WithdrawView.as_view(), name="profile_withdraw"),
    path("profile/calendar/", lms_views.CalendarFeedView.as_view(), name="profile_calendar"),
    path("search/", cms_views.search, name="search"),
    path("", include("courses.urls")),
    path("", include("certificates.urls")),
    path("", include("volunteers.urls")),
    path("", include("mentoring.urls")),
    path("", include("lessons.urls")),
    path("", include("surveys.urls")),
    path("", include("organisations.urls")),
    path("", include("organisations.activity_urls")),
    path("", include("opportunities.urls")),
    path("", include("exchange.urls")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    # Wagtail's catch-all comes last, its serve view routed from what is kept (lms.pageserving).
    path("", include(pageserving.wagtail_urlpatterns())),
    prefix_default_language=False,
)

if settings.DEBUG:
    urlpatterns = static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT) + urlpatterns

handler404 = "cms.views.page_not_found"
handler500 = "cms.views.server_error"
