from datetime import timedelta
from pathlib import Path

import pytest
import yaml

from core.settings import DEFAULT_POLICY_FILE
from models.enums import Severity
from models.policy import Policy
from policy.loader import PolicyError, load_policy, parse_policy, scaled


def write_policy(tmp_path: Path, data) -> Path:
    file = tmp_path / "policy.yaml"
    file.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return file


def default_data() -> dict:
    return yaml.safe_load(Path(DEFAULT_POLICY_FILE).read_text(encoding="utf-8"))


def test_default_file_loads_as_the_schema_defaults():
    policy = load_policy(DEFAULT_POLICY_FILE)
    assert policy.version == "2026.12-default"
    assert policy.model_dump(exclude={"version"}) == Policy().model_dump(exclude={"version"})


def test_load_accepts_str_path_and_iso_and_second_durations(tmp_path):
    data = default_data()
    data["intake"]["completion"] = 600
    data["sla"]["solution"] = "P3D"
    policy = load_policy(str(write_policy(tmp_path, data)))
    assert policy.intake.completion == timedelta(minutes=10)
    assert policy.sla.solution == timedelta(days=3)


def test_missing_file_is_a_policy_error_naming_the_file(tmp_path):
    missing = tmp_path / "nope.yaml"
    with pytest.raises(PolicyError, match="not found") as caught:
        load_policy(missing)
    assert str(missing) in str(caught.value)


def test_broken_yaml_is_a_policy_error(tmp_path):
    file = tmp_path / "policy.yaml"
    file.write_text("sla: [unclosed", encoding="utf-8")
    with pytest.raises(PolicyError, match="not valid YAML"):
        load_policy(file)


@pytest.mark.parametrize("content", ["", "- just\n- a list\n", "42\n"])
def test_a_file_without_a_mapping_is_refused(tmp_path, content):
    file = tmp_path / "policy.yaml"
    file.write_text(content, encoding="utf-8")
    with pytest.raises(PolicyError, match="expected a mapping"):
        load_policy(file)


@pytest.mark.parametrize(
    ("section", "key", "value", "expected"),
    [
        ("sla", "warning_ratio", 1, "sla.warning_ratio: Input should be less than 1"),
        ("sla", "warning_ratio", 0, "sla.warning_ratio: Input should be greater than 0"),
        ("review", "satisfaction_threshold", 101, "review.satisfaction_threshold: Input should be less than or equal"),
        ("penalties", "repeat_offender_threshold", 0, "penalties.repeat_offender_threshold: Input should be greater"),
        ("negotiation", "lapse_action", "shrug", "negotiation.lapse_action: Input should be"),
        ("intake", "completion", "fifteen minutes", "intake.completion:"),
        ("intake", "colour", "blue", "intake.colour: Extra inputs are not permitted"),
    ],
)
def test_invalid_values_name_the_field_path(tmp_path, section, key, value, expected):
    data = default_data()
    data[section][key] = value
    with pytest.raises(PolicyError) as caught:
        load_policy(write_policy(tmp_path, data))
    assert expected in str(caught.value)
    assert isinstance(caught.value, ValueError)


def test_nested_dict_errors_name_the_key_and_every_problem_is_reported(tmp_path):
    data = default_data()
    data["intake"]["after_sales_window_days"]["fresh"] = 0
    data["sla"]["warning_ratio"] = 2
    with pytest.raises(PolicyError) as caught:
        load_policy(write_policy(tmp_path, data))
    assert any(p.startswith("intake.after_sales_window_days.fresh:") for p in caught.value.problems)
    assert any(p.startswith("sla.warning_ratio:") for p in caught.value.problems)


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (lambda d: d["sla"]["by_severity"].pop("C"), "sla.by_severity.C: missing"),
        (lambda d: d["sla"]["stage"].pop("execution"), "sla.stage.execution: missing"),
        (lambda d: d["evidence"]["deadlines"].pop("carrier"), "evidence.deadlines.carrier: missing"),
        (lambda d: d["sla"]["business_hours"].update(weekdays=[0, 7]), "sla.business_hours.weekdays: days must be"),
        (
            lambda d: d["sla"]["business_hours"].update(enabled=True, weekdays=[]),
            "sla.business_hours.weekdays: no working day",
        ),
    ],
)
def test_incomplete_tables_are_refused_before_a_case_could_trip_on_them(mutate, expected):
    data = default_data()
    mutate(data)
    with pytest.raises(PolicyError, match=expected.replace(".", r"\.")):
        parse_policy(data)


def test_policy_error_accepts_a_plain_message():
    assert str(PolicyError("sla.solution: too long")) == "sla.solution: too long"


FACTOR = 1 / 3600  # an hour becomes a second


def test_scaled_multiplies_every_duration_including_nested_dicts():
    policy = Policy(version="v1")
    fast = scaled(policy, FACTOR)
    assert fast.intake.completion == timedelta(seconds=0.25)
    assert fast.sla.by_severity[Severity.A].plan == timedelta(seconds=0.5)
    assert fast.sla.by_severity[Severity.C].first_contact == timedelta(seconds=48)
    assert fast.sla.stage["execution"] == timedelta(seconds=120)
    assert fast.evidence.deadlines["merchant"] == timedelta(seconds=48)
    assert fast.classification.group_window == timedelta(seconds=168)
    assert fast.penalties.listing_block == timedelta(seconds=720)
    assert fast.review.survey_delay == timedelta(seconds=48)
    assert fast.execution.merchant_refund == timedelta(seconds=24)


def test_scaled_leaves_retry_backoff_and_non_durations_alone():
    policy = Policy(version="v1")
    fast = scaled(policy, FACTOR)
    assert fast.execution.retry_initial == policy.execution.retry_initial
    assert fast.execution.retry_maximum == policy.execution.retry_maximum
    assert fast.execution.retry_attempts == policy.execution.retry_attempts
    assert fast.sla.warning_ratio == policy.sla.warning_ratio
    assert fast.sla.business_hours == policy.sla.business_hours
    assert fast.negotiation.gift == policy.negotiation.gift


def test_scaled_touches_every_timedelta_field_of_the_schema():
    """Walks the dump generically: a duration field added later cannot silently escape scaling."""
    original, fast = Policy().model_dump(), scaled(Policy(), 0.5).model_dump()

    def pairs(a, b, path=()):
        if isinstance(a, dict):
            for key in a:
                yield from pairs(a[key], b[key], (*path, str(key)))
        elif isinstance(a, timedelta):
            yield path, a, b

    found = list(pairs(original, fast))
    assert len(found) > 25
    for path, before, after in found:
        expected = before if path in {("execution", "retry_initial"), ("execution", "retry_maximum")} else before / 2
        assert after == expected, path


@pytest.mark.parametrize(("factor", "suffix"), [(0.001, "+x0.001"), (1 / 3600, "+x0.000277778"), (2, "+x2")])
def test_scaled_version_records_the_factor(factor, suffix):
    assert scaled(Policy(version="2026.12-default"), factor).version == "2026.12-default" + suffix


def test_scaled_does_not_change_the_original():
    policy = Policy()
    scaled(policy, 0.01)
    assert policy.sla.solution == timedelta(days=7)


@pytest.mark.parametrize("factor", [0, -1, float("nan"), float("inf")])
def test_scaled_refuses_a_meaningless_factor(factor):
    with pytest.raises(ValueError, match="positive finite"):
        scaled(Policy(), factor)


def test_scaled_policy_survives_a_json_round_trip():
    fast = scaled(Policy(), 0.001)
    assert Policy.model_validate_json(fast.model_dump_json()) == fast


def test_every_policy_field_says_what_it_means():
    """An operator reads the schema (in /docs and the admin API) instead of guessing what a value does."""
    schema = Policy.model_json_schema()
    definitions = schema.get("$defs", {})
    undescribed: list[str] = []

    def walk(node: dict, path: str) -> None:
        for name, prop in node.get("properties", {}).items():
            if not prop.get("description"):
                undescribed.append(path + name)
            ref = prop.get("$ref") or next((p["$ref"] for p in prop.get("allOf", []) if "$ref" in p), None)
            if ref:
                walk(definitions[ref.rsplit("/", 1)[-1]], f"{path}{name}.")

    walk(schema, "")
    assert undescribed == []
