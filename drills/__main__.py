"""`python -m drills` = `complaints drills run` (same options)."""

from cli.bench import drills_app

drills_app(prog_name="python -m drills")
