"""The console's settings and links: GRIDBOT_PUBLIC_URL (default http://host:port), `[console]
secure_cookies` (default on), and links that are refused when their signature is not ours."""

from __future__ import annotations

from dataclasses import replace

import pytest

from config.settings import ConsoleOptions, SettingsError, load_settings
from handlers.console.sessions import ConsoleLinks


def options(table: dict) -> ConsoleOptions:
    return ConsoleOptions.from_settings(replace(load_settings({}), sections={"console": table}))


def test_links_go_to_host_and_port_unless_a_public_url_is_set():
    assert load_settings({"GRIDBOT_PORT": "9000"}).public_base == "http://0.0.0.0:9000"
    given = load_settings({"GRIDBOT_PUBLIC_URL": "https://grid.example.cn/"})
    assert given.public_base == "https://grid.example.cn"


def test_a_public_url_that_is_not_http_stops_start_up_naming_it():
    with pytest.raises(SettingsError, match="GRIDBOT_PUBLIC_URL"):
        load_settings({"GRIDBOT_PUBLIC_URL": "grid.example.cn"})


def test_cookies_are_secure_unless_turned_off():
    assert options({}).secure_cookies is True
    assert options({"secure_cookies": False}).secure_cookies is False


@pytest.mark.parametrize(
    ("table", "named"), [({"secure_cookies": "no"}, "secure_cookies"), ({"tiles": "x"}, "tiles")]
)
def test_a_bad_console_setting_is_one_line_naming_it(table, named):
    with pytest.raises(SettingsError, match=named):
        options(table)


def test_a_link_signed_with_another_key_is_not_ours():
    ours, theirs = ConsoleLinks("http://x", b"a" * 32), ConsoleLinks("http://x", b"b" * 32)
    token = ours.new_token()

    assert ours.signed(token) and not theirs.signed(token)
    assert not ours.signed(token.partition(".")[0]) and not ours.signed("." + "0" * 32)
    assert ours.url(token) == f"http://x/console/login?token={token}"


def test_wecom_login_goes_to_wecom_unless_its_hosts_are_set():
    assert options({}).oauth_base == "https://open.weixin.qq.com"
    assert options({}).qr_login_base == "https://login.work.weixin.qq.com"
    given = options({"oauth_base": "http://127.0.0.1:9/", "qr_login_base": "http://127.0.0.1:9"})
    assert given.oauth_base == given.qr_login_base == "http://127.0.0.1:9"


@pytest.mark.parametrize("key", ["oauth_base", "qr_login_base"])
@pytest.mark.parametrize("value", ["open.weixin.qq.com", "ftp://x", 7])
def test_a_wecom_login_host_that_is_not_http_stops_start_up_naming_it(key, value):
    with pytest.raises(SettingsError, match=f"\\[console\\] {key}"):
        options({key: value})
