"""Settings for the django-q2 clusters the fault tests start and kill: the site's own settings
(database, broker and SMTP server from the environment, exactly as in production) with a short
task timeout and retry, so a task held by a killed worker comes back in seconds instead of
three minutes.  As in production, retry stays above timeout (a slow task is never run twice
while it is still running)."""

import os

from lms.settings import *  # noqa: F403
from lms.settings import Q_CLUSTER

Q_CLUSTER = {
    **Q_CLUSTER,
    "timeout": int(os.environ.get("FAULTS_Q_TIMEOUT", "8")),
    "retry": int(os.environ.get("FAULTS_Q_RETRY", "10")),
    "poll": 0.1,
}
EMAIL_TIMEOUT = 10
