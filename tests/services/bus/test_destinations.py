"""Webhook URLs reach public addresses only, whatever form the address is written in."""

from __future__ import annotations

import pytest

from services.bus.destinations import Destinations, ForbiddenDestination

REFUSED = [
    "http://127.0.0.1/hook",
    "http://localhost:8080/hook",
    "http://127.1/hook",  # short form
    "http://2130706433/hook",  # 127.0.0.1 as one number
    "http://0x7f.0.0.1/hook",  # hexadecimal
    "http://0177.0.0.1/hook",  # octal
    "http://[::1]/hook",
    "http://[::ffff:127.0.0.1]/hook",  # IPv4-mapped
    "http://[::ffff:7f00:1]/hook",
    "http://10.0.0.5/hook",
    "http://172.16.3.4/hook",
    "http://192.168.1.1/hook",
    "http://169.254.169.254/latest/meta-data/",  # the cloud's metadata address
    "http://[fd00:ec2::254]/hook",  # and its IPv6 twin
    "http://[fe80::1]/hook",
    "http://100.64.0.1/hook",  # carrier-grade NAT
    "http://0.0.0.0/hook",
    "http://224.0.0.1/hook",
    "http://[2002:7f00:1::]/hook",  # 6to4 carrying 127.0.0.1
]


@pytest.mark.parametrize("url", REFUSED)
async def test_a_webhook_to_an_address_only_the_service_can_reach_is_refused(url: str) -> None:
    with pytest.raises(ForbiddenDestination):
        await Destinations().resolve(url)


@pytest.mark.parametrize(
    "url",
    ["http://user:secret@93.184.216.34/hook", "ftp://93.184.216.34/", "http:///nohost"],
)
def test_a_webhook_url_with_credentials_or_without_an_http_host_is_refused(url: str) -> None:
    with pytest.raises(ForbiddenDestination):
        Destinations().check_url(url)


async def test_a_public_address_is_pinned_with_its_host_kept_for_the_request() -> None:
    pinned = await Destinations().resolve("https://93.184.216.34:8443/hooks/complaints?x=1")
    assert pinned.url == "https://93.184.216.34:8443/hooks/complaints?x=1"
    assert (pinned.host_header, pinned.server_name) == ("93.184.216.34:8443", "93.184.216.34")


async def test_the_operator_may_allow_a_private_network() -> None:
    allowed = Destinations(["127.0.0.0/8", "10.1.2.0/24"])
    pinned = await allowed.resolve("http://127.0.0.1:9000/hook")
    assert pinned.url == "http://127.0.0.1:9000/hook"
    await allowed.resolve("http://10.1.2.7/hook")
    with pytest.raises(ForbiddenDestination):
        await allowed.resolve("http://10.1.3.7/hook")
