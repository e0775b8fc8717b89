"""Webhook targets at registration (POST /webhooks) and at every send
(WebhookSender.send), against real HTTP(S) servers on this machine: inside addresses
are refused both times, a name that moved inside after registration is refused at send
(and nothing reaches the server), the connection goes to the checked address with TLS
still verifying the name, and redirects are not followed."""
from __future__ import annotations

import datetime as dt
import ipaddress
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from services.notifications import create_app
from services.notifications.adapters.channels import PermanentSendError, TransientSendError, WebhookSender
from services.notifications.adapters.targets import TargetPolicy, check_url

LOOPBACK = (ipaddress.ip_network("127.0.0.0/8"),)
REFUSED_AT_REGISTRATION = [
    "https://127.0.0.1/hook", "https://localhost:15672/api", "https://169.254.169.254/latest/meta-data/",
    "https://10.0.0.8/hook", "https://172.20.1.1/hook", "https://192.168.0.9/hook", "https://100.64.0.1/hook",
    "https://[::1]/hook", "https://[fd00:ec2::254]/", "https://[fe80::1]/", "https://[::ffff:127.0.0.1]/",
    "https://0.0.0.0/", "https://mongo:27017/", "https://user:pw@192.0.32.10/",
]


class Receiver(BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802
        self.server.hits.append((self.path, self.headers.get("Host"), self.rfile.read(
            int(self.headers.get("Content-Length") or 0))))
        status, location = self.server.answer
        self.send_response(status)
        if location:
            self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


def serve(tls_context=None, answer=(200, None)):
    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    server.hits, server.answer = [], answer
    if tls_context:
        server.socket = tls_context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    return server


@pytest.fixture
def receiver():
    server = serve()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def tls_receiver(tmp_path):
    """An https server on 127.0.0.1 whose certificate names hooks.confer.test only."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "hooks.confer.test")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(hours=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("hooks.confer.test")]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_file, key_file = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)
    server = serve(context)
    yield server, str(cert_file)
    server.shutdown()
    server.server_close()


@pytest.fixture
def app(mongo_daemon, db_name):
    app = create_app({"mongo_url": mongo_daemon.url, "mongo_db": db_name})
    yield app
    app.extensions["confer"]["store"].client.drop_database(db_name)


def admin_client(app, token):
    client = app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token(role='district_admin', sub='a-1')}"
    return client


@pytest.mark.parametrize("url", REFUSED_AT_REGISTRATION)
def test_inside_targets_are_refused_at_registration(app, token, url):
    resp = admin_client(app, token).post("/webhooks", json={"url": url})
    assert resp.status_code == 422, resp.get_json()
    body = resp.get_json()  # refused by the target check (or already by the URL schema)
    assert [e["field"] for e in body["errors"]] == ["url"] and body.get("code", "webhook_target_refused") == \
        "webhook_target_refused"


def test_plain_http_is_refused_outside_dev_mode(app, token, monkeypatch):
    client = admin_client(app, token)
    monkeypatch.delenv("CONFER_DEV_MODE")
    assert client.post("/webhooks", json={"url": "http://192.0.32.10/hook"}).status_code == 422
    assert client.post("/webhooks", json={"url": "https://192.0.32.10/hook"}).status_code == 201


@pytest.mark.parametrize("url", ["http://127.0.0.1:{port}/hook", "http://[::ffff:127.0.0.1]:{port}/hook",
                                 "http://localhost:{port}/hook"])
def test_inside_targets_are_refused_at_send_and_nothing_arrives(receiver, url):
    """No allow-list: even a subscriber stored before these rules is never POSTed to."""
    sender = WebhookSender(url.format(port=receiver.server_address[1]), "s", timeout=2)
    with pytest.raises(PermanentSendError, match="target refused"):
        sender.send({"a": 1}, delivery_id="d-1")
    assert receiver.hits == []


def test_a_name_rebound_inside_after_registration_is_refused_at_send(receiver):
    """Registered while hooks.confer.test pointed at a public address; it now points at
    this machine. The send checks again and does not connect."""
    answers = iter([["192.0.32.10"], ["127.0.0.1"]])
    policy = TargetPolicy(allow_http=True, resolver=lambda host, port: next(answers))
    url = f"http://hooks.confer.test:{receiver.server_address[1]}/hook"
    assert check_url(url, policy).addresses == ("192.0.32.10",)  # registration
    with pytest.raises(PermanentSendError, match="127.0.0.1 is a loopback address"):
        WebhookSender(url, "s", timeout=2, targets=policy).send({"a": 1})
    assert receiver.hits == []


def test_the_connection_goes_to_the_checked_address(receiver):
    """The name is resolved once, by the check; the POST goes to that address with the
    name in Host (a second lookup that could answer differently never happens)."""
    lookups = []

    def resolver(host, port):
        lookups.append(host)
        return ["127.0.0.1"]

    policy = TargetPolicy(allow_http=True, allow_networks=LOOPBACK, resolver=resolver)
    port = receiver.server_address[1]
    status = WebhookSender(f"http://hooks.confer.test:{port}/hook?x=1", "s", timeout=2, targets=policy).send(
        {"a": 1})
    assert status == 200 and lookups == ["hooks.confer.test"]
    [(path, host, body)] = receiver.hits
    assert (path, host, body) == ("/hook?x=1", f"hooks.confer.test:{port}", b'{"a":1}')


def test_redirects_are_not_followed(receiver):
    receiver.answer = (307, "http://127.0.0.1:1/elsewhere")
    policy = TargetPolicy(allow_http=True, allow_networks=LOOPBACK)
    with pytest.raises(PermanentSendError) as info:
        WebhookSender(f"http://127.0.0.1:{receiver.server_address[1]}/hook", "s", timeout=2,
                      targets=policy).send({"a": 1})
    assert info.value.code == 307 and len(receiver.hits) == 1


def test_https_to_the_checked_address_still_verifies_the_name(tls_receiver):
    server, ca = tls_receiver
    port = server.server_address[1]
    policy = TargetPolicy(allow_networks=LOOPBACK, resolver=lambda host, port: ["127.0.0.1"], ca_certs=ca)
    assert WebhookSender(f"https://hooks.confer.test:{port}/hook", "s", timeout=3, targets=policy).send(
        {"a": 1}) == 200
    assert [h[1] for h in server.hits] == [f"hooks.confer.test:{port}"]
    # Same address, a name the certificate does not carry: the TLS check refuses it.
    with pytest.raises(TransientSendError):
        WebhookSender(f"https://other.confer.test:{port}/hook", "s", timeout=3, targets=policy).send({"a": 1})
    assert len(server.hits) == 1
