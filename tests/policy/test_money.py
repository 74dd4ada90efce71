import pytest

from policy.money import percent_of


@pytest.mark.parametrize(
    ("amount", "percent", "expected"),
    [
        (10_000, 5.0, 500),
        (10_010, 5.0, 501),  # 500.5 rounds half-up
        (10_009, 5.0, 500),  # 500.45 rounds down
        (100, 5.5, 6),  # 5.5 exactly, not 5.4999… in binary
        (1, 50.0, 1),  # 0.5 rounds up
        (0, 10.0, 0),
        (12_345, 0.0, 0),
        (12_345, 100.0, 12_345),
    ],
)
def test_percent_of_rounds_half_up_to_minor_units(amount, percent, expected):
    assert percent_of(amount, percent) == expected
