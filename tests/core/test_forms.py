"""German number input as users type it."""

from decimal import Decimal

import pytest

from digilotse.core.forms import GermanDecimalField


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("120.000,50", Decimal("120000.50")),
        ("45.000", Decimal("45000")),
        ("1.250.000", Decimal("1250000")),
        ("0,8", Decimal("0.8")),
        ("120000.5", Decimal("120000.5")),
        ("12.5", Decimal("12.5")),
        (" 3 000 € ", Decimal("3000")),
    ],
)
def test_german_decimal_input(typed, expected):
    assert GermanDecimalField(decimal_places=2, max_digits=12).clean(typed) == expected


def test_garbage_is_a_german_error():
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as exc:
        GermanDecimalField().clean("zwölf")
    assert "Zahl" in str(exc.value)


def test_number_filters_round_instead_of_cutting():
    from django.utils import translation

    from digilotse.core.templatetags.dl import euro, num

    with translation.override("de"):
        assert num(0.6429, 3) == "0,643"
        assert num("1234.55", 1) == "1.234,6"
        assert euro("1999.5") == "2.000 €"
