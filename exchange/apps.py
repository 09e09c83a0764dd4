from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExchangeConfig(AppConfig):
    """The members' information exchange (情報交換) of partner organisations: case reports,
    resources, comments, notices from the secretariat and a weekly digest."""

    name = "exchange"
    verbose_name = _("Members' exchange")

    def ready(self) -> None:
        from exchange import receivers  # noqa: F401 - connects the signal handlers

    def erase_personal_data(self, user) -> None:
        """Before the account is anonymised (lms.services.user_anonymise): the person's
        comments lose their text; posts stay (they are the organisation's) but lose their
        author."""
        from exchange.services import exchange_erase

        exchange_erase(user=user)

    def personal_data(self, user) -> dict:
        """The person's posts and comments, and their digest choice, for "download my data"."""
        from exchange.selectors import personal_data_of

        return {"members_exchange": personal_data_of(user=user)}
