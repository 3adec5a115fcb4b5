"""The `tandem` command: Django's management commands under Tandem's own name.

`tandem demo`, `tandem serve`, `tandem import olist DIR`, `tandem token create USERNAME`,
`tandem bench funnel`, plus Django's own (`tandem migrate`, `tandem createsuperuser`, ...).
`tandem help` lists them all.
"""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tandem.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["tandem", *sys.argv[1:]])


if __name__ == "__main__":
    main()
