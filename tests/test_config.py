"""Settings: defaults < askclinic.toml < ASKCLINIC_* environment < flags, checked when they load."""

from __future__ import annotations

import pytest

from askclinic.config import Settings, load_settings
from askclinic.errors import ConfigError


def write(tmp_path, text: str):
    path = tmp_path / "askclinic.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_file_overrides_defaults_and_the_environment_overrides_the_file(tmp_path):
    path = write(
        tmp_path,
        'clinic_name = "Riverside Headache Centre"\nrate_limit = 10\n'
        'starters = ["What is a migraine?", "Where do I park?"]\n',
    )
    s = load_settings({"ASKCLINIC_RATE_LIMIT": "5"}, config=path)
    assert s.clinic_name == "Riverside Headache Centre"
    assert s.rate_limit == 5
    assert s.starters == ("What is a migraine?", "Where do I park?")
    assert s.emergency_number == Settings().emergency_number
    assert s.with_overrides(index="elsewhere", model=None).index == "elsewhere"


def test_the_file_named_by_askclinic_config_is_read(tmp_path):
    path = write(tmp_path, 'topic = "sleep and snoring"\n')
    assert load_settings({"ASKCLINIC_CONFIG": str(path)}).topic == "sleep and snoring"
    with pytest.raises(ConfigError, match="ASKCLINIC_CONFIG=.*no such file"):
        load_settings({"ASKCLINIC_CONFIG": str(tmp_path / "missing.toml")})


def test_environment_lists_are_bar_separated():
    assert load_settings({"ASKCLINIC_STARTERS": "One? | Two?"}).starters == ("One?", "Two?")


@pytest.mark.parametrize(
    "text, message",
    [
        ('clinic_nme = "x"\n', "unknown setting 'clinic_nme'"),
        ("rate_limit = 2.5\n", "rate_limit=2.5 is not a int"),
        ('rate_limit = "lots"\n', "rate_limit='lots' is not a valid int"),
        ("clinic_phone = 5550100\n", "clinic_phone=5550100 is not a str"),
        ("starters = [1, 2]\n", "starters must be a list of texts"),
        ("clinic_name = \n", "not valid TOML"),
    ],
)
def test_a_bad_file_names_the_file_and_the_setting(tmp_path, text, message):
    path = write(tmp_path, text)
    with pytest.raises(ConfigError, match=message) as e:
        load_settings({}, config=path)
    assert str(path) in str(e.value)


def test_settings_are_checked_when_they_load():
    with pytest.raises(ConfigError, match="ASKCLINIC_FRAME_ANCESTORS"):
        load_settings({"ASKCLINIC_FRAME_ANCESTORS": "javascript:alert(1)"})
    with pytest.raises(ConfigError, match="ASKCLINIC_TRUSTED_PROXIES"):
        load_settings({"ASKCLINIC_TRUSTED_PROXIES": "proxy.local"})
    with pytest.raises(ConfigError, match="ASKCLINIC_EMBED_BACKEND"):
        load_settings({"ASKCLINIC_EMBED_BACKEND": "gpu"})
    with pytest.raises(ConfigError, match="ASKCLINIC_MIN_SCORE"):
        load_settings({"ASKCLINIC_MIN_SCORE": "high"})
    assert load_settings({"ASKCLINIC_FRAME_ANCESTORS": " 'self'   https://a.example "}).frame_ancestors == (
        "'self' https://a.example"
    )
