"""WSGI entry point for gunicorn and runserver."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

django_application = get_wsgi_application()

from config.parsers import utf8_bodies_only  # noqa: E402  (needs Django set up)

# A charset other than UTF-8 is refused before Django decodes anything with it.
application = utf8_bodies_only(django_application)
