"""The `clipfinder` command: parse, call one library function, print.

Importing the command modules registers their commands on `app`, in the order `--help` lists them.
"""

from clipfinder.cli import index_commands, loop_commands, serve_command  # noqa: F401  (registers the commands)
