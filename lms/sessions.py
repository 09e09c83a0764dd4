"""Django's database sessions, read with a statement built once (``lms.statements``).

Every signed-in request reads its session; Django builds that query anew each time, which
costs more than the database takes to answer it.  The session is read by its key alone and
its expiry checked on the row, which is what Django's own query asks the database.
"""

from __future__ import annotations

from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.contrib.sessions.models import Session
from django.utils import timezone

from lms.statements import ANY_KEY, IdStatement

SESSION = IdStatement(
    lambda alias, key: Session.objects.using(alias).filter(session_key=key), stand_in=ANY_KEY
)


class SessionStore(DatabaseSessionStore):
    def _get_session_from_db(self) -> Session | None:
        session = SESSION.instance(self.session_key, model=Session) if self.session_key else None
        if session is None or session.expire_date <= timezone.now():
            self._session_key = None
            return None
        return session
