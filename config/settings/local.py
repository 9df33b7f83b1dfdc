"""Local development: `make run`. SQLite unless DATABASE_URL says otherwise."""

import os

from .base import *  # noqa: F403

DEBUG = os.environ.get("DJANGO_DEBUG", "1") == "1"
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "local-only-insecure-key-change-me")
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]"]

# Serve static files straight from the finders (npm assets, app static) without collectstatic.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
