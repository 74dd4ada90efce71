"""Where the API reads and writes the active policy.

The operator's file (settings.policy_file) is the baseline and is never overwritten: an admin's
PUT writes `<data_dir>/policy.active.yaml`, which wins while it exists. New cases snapshot the
active policy when they are filed; cases in flight keep the snapshot they started with.
"""

import os
import tempfile
from pathlib import Path

import yaml

from core.settings import Settings
from models.policy import Policy
from policy.loader import load_policy

ACTIVE_FILE_NAME = "policy.active.yaml"


def active_policy_path(settings: Settings) -> Path:
    return settings.data_dir / ACTIVE_FILE_NAME


def policy_source(settings: Settings) -> Path:
    active = active_policy_path(settings)
    return active if active.exists() else settings.policy_file


def current_policy(settings: Settings) -> Policy:
    """Raises policy.loader.PolicyError when the file on disk is unusable."""
    return load_policy(policy_source(settings))


def install_policy(settings: Settings, policy: Policy) -> Path:
    """Atomically replace the active policy file: a reader sees the old file or the new, never half."""
    target = active_policy_path(settings)
    target.parent.mkdir(parents=True, exist_ok=True)
    text = yaml.safe_dump(policy.model_dump(mode="json"), allow_unicode=True, sort_keys=False)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".policy-", suffix=".yaml")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target
