"""Settings: GRIDBOT_* variables, an optional TOML file, one-line errors naming the culprit."""

from __future__ import annotations

import base64

import pytest
from sqlalchemy.engine import make_url

from config.settings import SettingsError, load_settings, load_settings_to_serve
from handlers.policy import Policy

AES_KEY = base64.b64encode(bytes(range(32))).decode().rstrip("=")  # 43 characters
OTHER_AES_KEY = base64.b64encode(bytes(range(32, 64))).decode().rstrip("=")

CHANNELS = {
    "GRIDBOT_MP_APPID": "wx0000000000demo01",
    "GRIDBOT_MP_SECRET": "mp-secret",
    "GRIDBOT_MP_TOKEN": "mp-token",
    "GRIDBOT_WORK_CORPID": "ww0000000000demo01",
    "GRIDBOT_WORK_AGENTID": "1000002",
    "GRIDBOT_WORK_SECRET": "work-secret",
    "GRIDBOT_WORK_TOKEN": "work-token",
    "GRIDBOT_WORK_AES_KEY": AES_KEY,
    "GRIDBOT_DATA_KEY": "q2vdTGN1p0yxvnWzc8bQ0hLtkI6oeQmQ3Yj5p7H1xZ8=",
}


def assert_one_line_naming(error: SettingsError, variable: str) -> None:
    message = str(error)
    assert "\n" not in message, message
    assert message.startswith(variable + ":"), message
    assert error.name == variable


def test_without_settings_the_service_uses_a_sqlite_file_here_and_the_real_wechat_apis():
    settings = load_settings({})

    url = make_url(settings.database_url)
    assert url.drivername == "sqlite+aiosqlite"
    assert url.database == "gridbot.db"  # relative: a file in the working directory
    assert settings.mp_api_base == "https://api.weixin.qq.com"
    assert settings.work_api_base == "https://qyapi.weixin.qq.com"
    assert (settings.host, settings.port) == ("0.0.0.0", 8080)
    assert not settings.mp_safe_mode


def test_every_gridbot_variable_is_read_from_the_environment():
    environ = {
        **CHANNELS,
        "GRIDBOT_DATABASE_URL": "postgresql+asyncpg://gridbot@db.example/gridbot",
        "GRIDBOT_HOST": "127.0.0.1",
        "GRIDBOT_PORT": "9090",
        "GRIDBOT_MP_AES_KEY": OTHER_AES_KEY,
        "GRIDBOT_MP_API_BASE": "http://127.0.0.1:7001",
        "GRIDBOT_WORK_API_BASE": "https://wecom.example/",
    }

    settings = load_settings(environ)

    assert settings.database_url == "postgresql+asyncpg://gridbot@db.example/gridbot"
    assert (settings.host, settings.port) == ("127.0.0.1", 9090)
    assert settings.mp_appid == "wx0000000000demo01"
    assert settings.mp_secret == "mp-secret"
    assert settings.mp_token == "mp-token"
    assert settings.mp_aes_key == OTHER_AES_KEY and settings.mp_safe_mode
    assert settings.work_corpid == "ww0000000000demo01"
    assert settings.work_agentid == 1000002
    assert settings.work_secret == "work-secret"
    assert settings.work_token == "work-token"
    assert settings.work_aes_key == AES_KEY
    assert settings.mp_api_base == "http://127.0.0.1:7001"
    assert settings.work_api_base == "https://wecom.example"  # trailing slash dropped


def test_settings_file_named_by_gridbot_config_is_read(tmp_path):
    config = tmp_path / "gridbot.toml"
    config.write_text(
        'database_url = "sqlite+aiosqlite:///var/gridbot.db"\n'
        "port = 8181\n"
        'mp_token = "from-file"\n'
        "work_agentid = 1000003\n"
        "[sla]\n"
        "accept_hours = 4\n",
        encoding="utf-8",
    )

    settings = load_settings({"GRIDBOT_CONFIG": str(config)})

    assert settings.database_url == "sqlite+aiosqlite:///var/gridbot.db"
    assert settings.port == 8181
    assert settings.mp_token == "from-file"
    assert settings.work_agentid == 1000003
    assert settings.sections == {"sla": {"accept_hours": 4}}


def test_environment_overrides_the_settings_file(tmp_path):
    config = tmp_path / "gridbot.toml"
    config.write_text('port = 8181\nmp_token = "from-file"\nhost = "10.0.0.1"\n', "utf-8")

    settings = load_settings(
        {"GRIDBOT_CONFIG": str(config), "GRIDBOT_PORT": "9191", "GRIDBOT_MP_TOKEN": "from-env"}
    )

    assert settings.port == 9191
    assert settings.mp_token == "from-env"
    assert settings.host == "10.0.0.1"  # not overridden, so the file's value stays


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("GRIDBOT_PORT", "abc"),
        ("GRIDBOT_PORT", "70000"),
        ("GRIDBOT_WORK_AGENTID", "my-app"),
        ("GRIDBOT_MP_AES_KEY", "tooshort"),
        ("GRIDBOT_MP_AES_KEY", AES_KEY + "A"),
        ("GRIDBOT_WORK_AES_KEY", AES_KEY[:-1] + "!"),
        ("GRIDBOT_MP_API_BASE", "ftp://api.weixin.qq.com"),
        ("GRIDBOT_WORK_API_BASE", "qyapi.weixin.qq.com"),
        ("GRIDBOT_DATABASE_URL", "mysql+aiomysql://gridbot@localhost/gridbot"),
        ("GRIDBOT_DATABASE_URL", "sqlite:///gridbot.db"),
        ("GRIDBOT_DATABASE_URL", "not a url"),
    ],
)
def test_bad_value_is_refused_in_one_line_naming_the_variable(variable, value):
    with pytest.raises(SettingsError) as raised:
        load_settings({**CHANNELS, variable: value})
    assert_one_line_naming(raised.value, variable)


@pytest.mark.parametrize("variable", ["GRIDBOT_DATABASE_URL", "GRIDBOT_PORT"])
def test_empty_variable_is_refused_or_falls_back_to_the_default(variable):
    attribute = variable.removeprefix("GRIDBOT_").lower()
    default = getattr(load_settings({}), attribute)
    try:
        settings = load_settings({variable: ""})
    except SettingsError as error:
        assert_one_line_naming(error, variable)
    else:
        assert getattr(settings, attribute) == default


def test_bad_value_in_the_settings_file_names_the_variable(tmp_path):
    config = tmp_path / "gridbot.toml"
    config.write_text('port = "abc"\n', encoding="utf-8")

    with pytest.raises(SettingsError) as raised:
        load_settings({"GRIDBOT_CONFIG": str(config)})
    assert_one_line_naming(raised.value, "GRIDBOT_PORT")


def _missing_file(tmp_path):
    return tmp_path / "nowhere.toml"


def _directory(tmp_path):
    return tmp_path


def _invalid_toml(tmp_path):
    path = tmp_path / "gridbot.toml"
    path.write_text('port = 8080\nmp_token = "unterminated\n', encoding="utf-8")
    return path


def _gbk_toml(tmp_path):
    path = tmp_path / "gridbot.toml"
    path.write_bytes('host = "网格"\n'.encode("gbk"))
    return path


def _unknown_key(tmp_path):
    path = tmp_path / "gridbot.toml"
    path.write_text('port = 8080\nmp_tokn = "typo"\n', encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("make_file", "problem"),
    [
        (_missing_file, "cannot read"),
        (_directory, "cannot read"),
        (_invalid_toml, "not valid TOML"),
        (_gbk_toml, "not valid TOML"),
        (_unknown_key, "'mp_tokn'"),
    ],
)
def test_unusable_settings_file_is_refused_in_one_line_naming_gridbot_config(
    tmp_path, make_file, problem
):
    path = make_file(tmp_path)

    with pytest.raises(SettingsError) as raised:
        load_settings({"GRIDBOT_CONFIG": str(path)})
    assert_one_line_naming(raised.value, "GRIDBOT_CONFIG")
    assert problem in str(raised.value) and str(path) in str(raised.value)


def test_serving_with_no_channels_set_names_every_missing_variable_at_once():
    with pytest.raises(SettingsError) as raised:
        load_settings({}).require_channels()
    assert [p.split(":")[0] for p in raised.value.problems] == list(CHANNELS)
    assert all(name in str(raised.value) for name in CHANNELS)


def test_every_problem_a_server_would_meet_is_in_one_report(tmp_path):
    config = tmp_path / "gridbot.toml"
    config.write_text('port = "abc"\n[sla]\nbogus = 1\n', encoding="utf-8")
    environ = {
        **CHANNELS,
        "GRIDBOT_CONFIG": str(config),
        "GRIDBOT_WORK_AGENTID": "app",
        "GRIDBOT_MP_TOKEN": "",
        "GRIDBOT_DATABASE_URL": "mysql://x",
    }

    with pytest.raises(SettingsError) as raised:
        load_settings_to_serve(environ, checks=[Policy.from_settings])

    named = [problem.split(":")[0] for problem in raised.value.problems]
    assert sorted(named) == sorted(
        [
            "GRIDBOT_PORT",
            "GRIDBOT_WORK_AGENTID",
            "GRIDBOT_DATABASE_URL",
            "GRIDBOT_MP_TOKEN",
            "GRIDBOT_CONFIG",
        ]
    )
    assert str(raised.value).startswith("5 problems:")
    assert "bogus" in str(raised.value) and "'abc'" in str(raised.value)


@pytest.mark.parametrize("variable", list(CHANNELS))
def test_serving_with_one_channel_setting_missing_names_it(variable):
    environ = {name: value for name, value in CHANNELS.items() if name != variable}

    with pytest.raises(SettingsError) as raised:
        load_settings(environ).require_channels()
    assert_one_line_naming(raised.value, variable)
    assert "missing" in str(raised.value)


def test_serving_with_all_channels_set_is_allowed_and_mp_aes_key_is_optional():
    settings = load_settings(CHANNELS)

    settings.require_channels()
    assert not settings.mp_safe_mode  # plain mode on the Official Account


def test_serving_without_a_data_key_says_how_to_make_one():
    settings = load_settings({k: v for k, v in CHANNELS.items() if k != "GRIDBOT_DATA_KEY"})

    with pytest.raises(SettingsError) as error:
        settings.require_channels()
    assert_one_line_naming(error.value, "GRIDBOT_DATA_KEY")
    assert "gridbot registry new-key" in str(error.value)


def test_connection_pool_sizes_are_settings():
    settings = load_settings({"GRIDBOT_DB_POOL_SIZE": "20", "GRIDBOT_DB_MAX_OVERFLOW": "0"})
    assert (settings.db_pool_size, settings.db_max_overflow) == (20, 0)
    with pytest.raises(SettingsError) as error:
        load_settings({"GRIDBOT_DB_POOL_SIZE": "lots"})
    assert str(error.value).startswith("GRIDBOT_DB_POOL_SIZE:")
