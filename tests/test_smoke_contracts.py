from pathlib import Path

import yaml

from core.settings import DEFAULT_POLICY_FILE
from models.policy import Policy


def test_default_policy_file_matches_the_schema_defaults():
    loaded = Policy.model_validate(yaml.safe_load(Path(DEFAULT_POLICY_FILE).read_text()))
    assert loaded.model_dump(exclude={"version"}) == Policy().model_dump(exclude={"version"})
    assert loaded.version == "2026.12-default"
