"""The worker entry script: `python worker.py` runs one worker process (runtime.worker_process).

What the worker runs is assembled in runtime.worker_build, where tests, benchmarks and audit build theirs too.
"""

from runtime.worker_process import main

if __name__ == "__main__":
    main()
