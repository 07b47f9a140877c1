"""The ``siyu`` command: Django's manage.py plus ``demo``, ``serve``, ``worker`` and ``scheduler``."""

from __future__ import annotations

import os
import sys

# Commands that run the demo: they (and the server and worker `siyu demo` starts, which inherit the
# environment) are in demo mode, where the published SECRET_KEY and the sandbox gateway are allowed.
DEMO_COMMANDS = {"demo", "load_demo"}


def main(argv: list[str] | None = None) -> None:
    args = argv if argv is not None else sys.argv[1:]
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "siyu.settings")
    if args[:1] and args[0] in DEMO_COMMANDS:
        os.environ.setdefault("SIYU_DEMO", "1")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["siyu", *args])


if __name__ == "__main__":
    main()
