"""One set of masking rules for every list, notice and audit row."""

from __future__ import annotations

from jisheng.benefits import engine
from jisheng.certificates import signing
from jisheng.core.masking import mask_id, mask_name, mask_phone
from jisheng.registry import validation


def test_an_id_number_keeps_its_area_and_last_four_digits_whether_of_18_or_of_15() -> None:
    assert mask_id("41172319850302123X") == "411723********123X"
    assert mask_id("411723850302123") == "411723*****2123"


def test_a_value_too_short_to_keep_both_ends_is_starred_whole_never_shown() -> None:
    assert mask_id("4117231234") == "**********"
    assert mask_id("41") == "**"
    assert mask_phone("1381234") == "*******"


def test_a_mobile_number_keeps_its_network_prefix_and_last_four_digits() -> None:
    assert mask_phone("13812345678") == "138****5678"


def test_a_name_keeps_its_first_and_last_characters() -> None:
    assert [mask_name(n) for n in ("王", "王芳", "刘桂芝", "欧阳文锋")] == ["王", "王*", "刘*芝", "欧**锋"]


def test_the_registry_the_certificates_and_the_benefit_notices_mask_alike() -> None:
    number = "411723199001011234"
    assert validation.mask_id(number) == signing.mask_id_number(number) == engine.mask_id(number)
