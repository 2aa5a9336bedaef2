"""External traffic: URL parsing and the entry point chosen for an address or a host name."""

from __future__ import annotations

import pytest

from k8s_actors.scenario.traffic import is_ip, parse_url


def test_a_url_gives_host_port_and_path_with_its_query() -> None:
    assert parse_url("http://shop.example.com:8080/api?q=1") == (
        "shop.example.com",
        8080,
        "/api?q=1",
    )
    assert parse_url("203.0.113.10") == ("203.0.113.10", 80, "/")


def test_only_http_urls_are_accepted() -> None:
    with pytest.raises(ValueError, match="not an http URL"):
        parse_url("https://shop.example.com/")


def test_an_address_goes_to_a_load_balancer_and_a_name_to_the_ingress() -> None:
    assert is_ip("203.0.113.10")
    assert not is_ip("shop.example.com")
