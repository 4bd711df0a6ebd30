"""Which PINs a holder may choose: none a guesser would try first."""

from __future__ import annotations

import pytest

from docflow.errors import ValidationError
from docflow.services.keys import check_pin_strength


@pytest.mark.parametrize("pin", ["000000", "999999", "123456", "654321", "234567", "890123", "3210987",
                                 "12345", "", "112233", "121212", "159753", "abcdef", "Password"])
def test_a_trivial_pin_is_refused(pin):
    with pytest.raises(ValidationError):
        check_pin_strength(pin)


@pytest.mark.parametrize("pin", ["246810", "135790", "864197", "397154", "28031975x"])
def test_an_ordinary_pin_is_accepted(pin):
    check_pin_strength(pin)
