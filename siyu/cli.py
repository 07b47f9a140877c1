"""The ``siyu`` command: Django's manage.py plus ``demo``, ``serve``, ``worker`` and ``scheduler``."""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    args = argv if argv is not None else sys.argv[1:]
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "siyu.settings")
    if args[:1] == ["demo"]:
        # Demo mode, known before the settings are read (and inherited by the demo's server and worker).
        os.environ["SIYU_DEMO"] = "1"
    from django.core.management import execute_from_command_line

    execute_from_command_line(["siyu", *args])


if __name__ == "__main__":
    main()
