"""Rule files: every shipped programme loads and cites its source; a mistake is refused naming its line."""

import pytest
from django.core.management import CommandError, call_command

from jisheng.benefits.rules import RULES_DIR, RuleError, parse, programmes

GOOD = (RULES_DIR / "childcare_subsidy.toml").read_text(encoding="utf-8")


def test_every_shipped_programme_loads_with_a_source_and_versions():
    loaded = programmes(reload=True)
    assert set(loaded) == {
        "childcare_subsidy",
        "rural_reward",
        "special_assistance",
        "late_marriage",
        "two_daughter_sterilisation",
        "surgery_reimbursement",
        "elderly_60",
    }
    for programme in loaded.values():
        assert programme.source and programme.versions


def line_of(text, needle):
    return next(n for n, line in enumerate(text.splitlines(), start=1) if needle in line)


def test_an_amount_written_as_a_float_is_refused_naming_its_line():
    bad = GOOD.replace('yuan = "3600.00"', "yuan = 3600.5")
    with pytest.raises(RuleError) as caught:
        parse(bad, "bad.toml")
    assert caught.value.problems == [(line_of(bad, "yuan = 3600.5"), caught.value.problems[0][1])]
    assert "浮点数" in str(caught.value) and f"bad.toml:{line_of(bad, 'yuan = 3600.5')}:" in str(caught.value)


def test_an_unknown_condition_is_refused_naming_its_line():
    bad = GOOD.replace('{ test = "under_age_months", age = 3 }', '{ test = "under_age_month", age = 3 }')
    with pytest.raises(RuleError) as caught:
        parse(bad, "bad.toml")
    line, message = caught.value.problems[0]
    assert line == line_of(bad, "under_age_month") and "未知的条件" in message


def test_a_misspelt_parameter_in_the_second_version_names_the_second_versions_line():
    text = (RULES_DIR / "rural_reward.toml").read_text(encoding="utf-8")
    at = text.rindex("at_least = 60")
    bad = text[:at] + "at_leest = 60" + text[at + len("at_least = 60") :]
    with pytest.raises(RuleError) as caught:
        parse(bad, "rural.toml")
    assert caught.value.problems[0][0] == line_of(bad, "at_leest")


def test_a_toml_syntax_error_carries_its_line():
    with pytest.raises(RuleError) as caught:
        parse(GOOD.replace("[[versions]]", "[[versions]"), "broken.toml")
    assert caught.value.problems[0][0] == line_of(GOOD, "[[versions]]")


def test_the_check_command_accepts_good_files_and_refuses_a_bad_one_naming_the_line(tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text(GOOD.replace("effective_from = 2025-01-01", 'effective_from = "2025"'), encoding="utf-8")
    good = tmp_path / "good.toml"
    good.write_text(GOOD, encoding="utf-8")
    call_command("benefits", "check", str(good))
    with pytest.raises(CommandError):
        call_command("benefits", "check", str(bad))
    err = capsys.readouterr().err
    assert f"bad.toml:{line_of(GOOD, 'effective_from')}: effective_from 须为日期" in err
