"""Leave a process that used a Temporal client without running the native runtime's teardown.

The SDK's Rust core can abort while the interpreter finalizes (SIGABRT, "PyGILState_Release ... finalizing")
after all work is done, turning a success into exit status -6. Flush and leave with the real status instead.
"""

import os
import sys
from typing import NoReturn


def exit_now(status: int = 0) -> NoReturn:
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status)
