"""Messages from libraries that their Japanese catalogues lack, listed so `makemessages`
collects them into ours (our LOCALE_PATHS take precedence over the libraries' catalogues)."""

from django.utils.translation import gettext_noop

MESSAGES = [
    gettext_noop("You do not have permission to access the admin."),  # wagtail.admin.auth
]
