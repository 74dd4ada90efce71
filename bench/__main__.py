"""`python -m bench` = `complaints bench run` (same options)."""

from cli.bench import bench_app

bench_app(prog_name="python -m bench")
