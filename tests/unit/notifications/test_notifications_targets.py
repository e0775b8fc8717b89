"""Where webhooks may go (services.notifications.adapters.targets.check_url), with the resolver
given as data: every forbidden range, IPv6 disguises, names that resolve inside, and a
name that resolves to a public and a private address at once."""
import ipaddress

import pytest

from services.notifications.adapters.targets import TargetPolicy, TargetRefused, check_url

PUBLIC = "192.0.32.10"


def resolving(*addresses):
    return lambda host, port: list(addresses)


PRODUCTION = TargetPolicy(resolver=resolving(PUBLIC))

FORBIDDEN = {  # URL -> what it is
    "https://127.0.0.1/hook": "loopback",
    "https://127.9.9.9:15672/api": "loopback (whole 127/8)",
    "https://10.1.2.3/": "private 10/8",
    "https://172.16.0.1/": "private 172.16/12",
    "https://192.168.1.10/": "private 192.168/16",
    "https://169.254.169.254/latest/meta-data/": "link-local: cloud metadata",
    "https://100.100.100.200/": "shared 100.64/10 (a metadata address too)",
    "https://0.0.0.0/": "unspecified",
    "https://224.0.0.1/": "multicast",
    "https://240.0.0.1/": "reserved",
    "https://[::1]/": "IPv6 loopback",
    "https://[::]/": "IPv6 unspecified",
    "https://[fe80::1]/": "IPv6 link-local",
    "https://[fd00:ec2::254]/": "unique-local (an IPv6 metadata address)",
    "https://[fc00::5]/": "unique-local",
    "https://[::ffff:127.0.0.1]/": "IPv4-mapped loopback",
    "https://[::ffff:169.254.169.254]/": "IPv4-mapped metadata",
    "https://[2002:7f00:1::]/": "6to4 of 127.0.0.1",
    "https://[64:ff9b::a9fe:a9fe]/": "NAT64 of 169.254.169.254",
    "https://[2001:db8::1]/": "documentation (not global)",
}


@pytest.mark.parametrize("url", FORBIDDEN, ids=list(FORBIDDEN.values()))
def test_every_inside_range_is_refused(url):
    with pytest.raises(TargetRefused):
        check_url(url, PRODUCTION)


@pytest.mark.parametrize("answer", [["127.0.0.1"], ["10.0.0.7"], ["::1"], ["169.254.169.254"],
                                    [PUBLIC, "127.0.0.1"], ["fe80::1%eth0"]])
def test_a_name_resolving_to_any_inside_address_is_refused(answer):
    """localhost:15672, mongo:27017 and the like; one private answer among public ones too."""
    with pytest.raises(TargetRefused, match="may not receive webhooks"):
        check_url("https://hooks.district.example/cb", TargetPolicy(resolver=resolving(*answer)))


def test_a_public_target_is_kept_with_the_addresses_to_connect_to():
    target = check_url("https://hooks.district.example:8443/cb?x=1", TargetPolicy(
        resolver=resolving(PUBLIC, "2001:4860:4860::8888")))
    assert (target.scheme, target.host, target.port, target.path) == ("https", "hooks.district.example", 8443,
                                                                      "/cb?x=1")
    assert target.addresses == (PUBLIC, "2001:4860:4860::8888")
    assert target.host_header == "hooks.district.example:8443"


@pytest.mark.parametrize("url,why", [
    (f"http://{PUBLIC}/hook", "https only"),
    (f"ftp://{PUBLIC}/hook", "https only"),
    (f"https://user:pw@{PUBLIC}/hook", "user name or password"),
    ("https:///nohost", "no host"),
    ("https://[::1/", "not a valid URL"),
])
def test_malformed_or_plain_http_urls_are_refused(url, why):
    with pytest.raises(TargetRefused, match=why):
        check_url(url, PRODUCTION)


def test_plain_http_only_in_dev_mode(monkeypatch):
    monkeypatch.setenv("CONFER_DEV_MODE", "1")
    assert check_url(f"http://{PUBLIC}/hook").scheme == "http"
    monkeypatch.delenv("CONFER_DEV_MODE")
    with pytest.raises(TargetRefused, match="https only"):
        check_url(f"http://{PUBLIC}/hook")


def test_an_unresolvable_name_is_refused():
    def nxdomain(host, port):
        raise OSError("Name or service not known")

    with pytest.raises(TargetRefused, match="cannot be resolved"):
        check_url("https://mongo:27017/", TargetPolicy(resolver=nxdomain))


def test_the_allow_list_lets_named_networks_through(monkeypatch):
    monkeypatch.setenv("NOTIFY_WEBHOOK_ALLOW_NETWORKS", "10.20.0.0/16, fd12::/16")
    policy = TargetPolicy.from_env()
    assert policy.allow_networks == (ipaddress.ip_network("10.20.0.0/16"), ipaddress.ip_network("fd12::/16"))
    assert check_url("https://10.20.3.4/hook", policy).addresses == ("10.20.3.4",)
    assert check_url("https://[fd12::9]/hook", policy).addresses == ("fd12::9",)
    for url in ("https://10.21.0.1/", "https://127.0.0.1/", "https://169.254.169.254/"):
        with pytest.raises(TargetRefused):
            check_url(url, policy)
    monkeypatch.setenv("NOTIFY_WEBHOOK_ALLOW_NETWORKS", "not-a-network")
    with pytest.raises(ValueError, match="NOTIFY_WEBHOOK_ALLOW_NETWORKS"):
        TargetPolicy.from_env()
