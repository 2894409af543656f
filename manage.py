#!/usr/bin/env python
"""Django's command-line utility. A malformed setting stops here with one clear line."""

import os
import sys


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinic.settings")
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        # Load the settings first: Django itself swallows a settings error and goes on to run
        # system checks, which then fail in whatever order the checks come (a bare
        # "Models aren't loaded yet" as often as the real cause).
        settings.INSTALLED_APPS  # noqa: B018
        execute_from_command_line(sys.argv)
    except ImproperlyConfigured as exc:
        sys.stderr.write(f"Configuration error: {exc}\n")
        sys.exit(2)


if __name__ == "__main__":
    main()
