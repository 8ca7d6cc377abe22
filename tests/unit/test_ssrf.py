"""The SSRF policy as pure functions: IPv4 spellings, embedded IPv4 forms, refusals, the allow-list."""

from __future__ import annotations

import asyncio
import ipaddress

import pytest

from services.errors import BlockedURL
from services.fetcher.policy import AllowList, Policy, embedded_ipv4, numeric_ipv4, refusal, split_url


async def _dns(host: str, port: int) -> list[str]:
    table = {
        "news.example": ["93.184.216.34"],
        "inside.example": ["10.0.0.7"],
        "two.example": ["8.8.8.8", "::1"],
    }
    if host not in table:
        raise OSError(f"no such host {host}")
    return table[host]


@pytest.mark.parametrize(
    ("spelling", "address"),
    [
        ("2130706433", "127.0.0.1"),
        ("0x7f000001", "127.0.0.1"),
        ("017700000001", "127.0.0.1"),
        ("0177.0.0.1", "127.0.0.1"),
        ("0x7f.0.0.1", "127.0.0.1"),
        ("127.1", "127.0.0.1"),
        ("0x7f.1", "127.0.0.1"),
        ("10.1.65535", "10.1.255.255"),
        ("0", "0.0.0.0"),
        ("0xA9.0xFE.0xA9.0xFE", "169.254.169.254"),
        ("192.168.1.1.", "192.168.1.1"),
    ],
)
def test_numeric_ipv4_spellings_mean_what_inet_aton_says(spelling: str, address: str) -> None:
    assert numeric_ipv4(spelling) == ipaddress.IPv4Address(address)


@pytest.mark.parametrize(
    "name", ["news.example", "1.2.3.4.5", "256.1.1.1", "0x1g.0.0.1", "08.0.0.1", "1.2.3.256"]
)
def test_names_and_out_of_range_numbers_are_not_numeric_addresses(name: str) -> None:
    assert numeric_ipv4(name) is None


@pytest.mark.parametrize(
    ("v6", "v4"),
    [
        ("::ffff:127.0.0.1", "127.0.0.1"),
        ("::127.0.0.1", "127.0.0.1"),
        ("2002:c0a8:0101::1", "192.168.1.1"),
        ("64:ff9b::10.0.0.1", "10.0.0.1"),
        ("2001:0:4136:e378:8000:63bf:80ff:fffe", "127.0.0.1"),
    ],
)
def test_ipv6_forms_carrying_an_ipv4_address_are_unwrapped(v6: str, v4: str) -> None:
    assert embedded_ipv4(ipaddress.IPv6Address(v6)) == ipaddress.IPv4Address(v4)


@pytest.mark.parametrize(
    "public", ["93.184.216.34", "8.8.8.8", "2606:4700:4700::1111", "64:ff9b::8.8.8.8", "::ffff:8.8.4.4"]
)
def test_public_addresses_are_not_refused(public: str) -> None:
    assert refusal(ipaddress.ip_address(public)) is None


@pytest.mark.parametrize(
    ("address", "words"),
    [
        ("127.0.0.1", "loopback"),
        ("10.0.0.1", "private"),
        ("169.254.169.254", "metadata"),
        ("100.64.0.1", "range"),
        ("0.0.0.0", "unspecified"),
        ("::ffff:10.0.0.1", "embeds the IPv4 address 10.0.0.1"),
        ("64:ff9b::7f00:1", "embeds the IPv4 address 127.0.0.1"),
        ("fe80::1", "link-local"),
        ("169.254.10.1", "link-local"),
    ],
)
def test_refusals_name_the_kind_of_address(address: str, words: str) -> None:
    assert words in (refusal(ipaddress.ip_address(address)) or "")


@pytest.mark.parametrize(
    ("url", "code"),
    [
        ("ftp://news.example/", "scheme"),
        ("javascript:alert(1)", "scheme"),
        ("http://user:pw@news.example/", "credentials"),
        ("http:///nohost", "invalid_url"),
        ("http://news.example:99999/", "invalid_url"),
    ],
)
def test_urls_that_are_not_plain_http_are_refused_before_resolving(url: str, code: str) -> None:
    with pytest.raises(BlockedURL) as caught:
        split_url(url)
    assert caught.value.code == code


def test_policy_resolves_names_and_refuses_any_private_answer() -> None:
    policy = Policy(AllowList(), _dns)
    target = asyncio.run(policy.check("https://news.example/a?b=1"))
    assert (target.host, target.port, target.address) == ("news.example", 443, "93.184.216.34")
    for url in ("http://inside.example/", "http://two.example/"):
        with pytest.raises(BlockedURL, match="resolves to"):
            asyncio.run(policy.check(url))


def test_allow_list_admits_named_hosts_and_networks_only() -> None:
    allow = AllowList.parse("inside.example, 127.0.0.0/8 ,[::1]")
    policy = Policy(allow, _dns)
    assert asyncio.run(policy.check("http://inside.example/")).allowed_by == "inside.example"
    assert asyncio.run(policy.check("http://127.0.0.5:8080/")).allowed_by == "127.0.0.0/8"
    assert asyncio.run(policy.check("http://[::1]/")).allowed_by == "::1/128"
    with pytest.raises(BlockedURL):
        asyncio.run(policy.check("http://10.0.0.7/"))
