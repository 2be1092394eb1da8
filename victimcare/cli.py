"""The `victimcare` command: everything an operator does.

victimcare serve            web app (+ one worker, + migrations on the embedded default)
victimcare worker           background jobs and the scheduler (--no-scheduler: jobs only)
victimcare scheduler        only the scheduler (heartbeat, periodic-job claims)
victimcare demo --seed N    deterministic synthetic London
victimcare audit verify     check the audit log's hash chain
victimcare manage ARGS…     any Django management command
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from django.core.management import execute_from_command_line

    if not args or args[0] in {"-h", "--help", "help"}:
        print(__doc__)
        return
    if args[0] == "manage":
        args = args[1:]
    execute_from_command_line(["victimcare", *args])


if __name__ == "__main__":
    main()
