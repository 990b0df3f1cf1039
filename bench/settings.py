"""Benchmark-only settings: production settings plus DRF's stock token app and the
bench views (bench/urls.py), so the project's own code stays free of them."""

from config.settings import *  # noqa: F403
from config.settings import INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "rest_framework.authtoken"]
ROOT_URLCONF = "bench.urls"
