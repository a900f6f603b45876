"""The `pishkhan` console command: Django's manage.py with the settings preset."""

from __future__ import annotations

import os
import sys

# design.md names these with a hyphen; Django command modules cannot have one.
HYPHENATED = {
    "api-client": "api_client",
    "import-students": "import_students",
    "import-teachers": "import_teachers",
    "signing-key": "signing_key",
}


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pishkhan.settings")
    from django.core.management import execute_from_command_line

    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] in HYPHENATED:
        args[0] = HYPHENATED[args[0]]
    execute_from_command_line(["pishkhan", *args])


if __name__ == "__main__":
    main()
