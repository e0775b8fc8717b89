"""Sign-in with the district IdP: the OpenID Connect code flow with PKCE against a small
fake IdP (discovery, JWKS, token endpoint checking the PKCE verifier, an RS256 ID token),
which also answers the roster's /me for the access token it issued."""
from __future__ import annotations

import base64
import hashlib
import json
import threading
import time
from urllib.parse import parse_qs, urlparse

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from flask import Flask, jsonify, request
from werkzeug.serving import make_server

from services.common.testing import free_port

import authlib  # noqa: F401,E402 - a runtime dependency: missing it must fail, not skip

CLIENT_ID, SECRET, ACCESS_TOKEN = "confer-portal", "s3cret", "idp-access-token"


@pytest.fixture
def idp():
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk = {**json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key())), "kid": "k1", "use": "sig",
           "alg": "RS256"}
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    seen: dict = {}
    app = Flask("fake-idp")

    @app.get("/.well-known/openid-configuration")
    def discovery():
        return jsonify(issuer=base, authorization_endpoint=f"{base}/authorize", token_endpoint=f"{base}/token",
                       jwks_uri=f"{base}/jwks", response_types_supported=["code"], subject_types_supported=["public"],
                       id_token_signing_alg_values_supported=["RS256"], code_challenge_methods_supported=["S256"])

    @app.get("/jwks")
    def jwks():
        return jsonify(keys=[jwk])

    @app.post("/token")
    def token():
        form = request.form
        verifier = form.get("code_verifier", "")
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        if form.get("code") != "the-code" or challenge != seen["challenge"]:
            return jsonify(error="invalid_grant"), 400
        now = int(time.time())
        id_token = jwt.encode({"iss": base, "aud": CLIENT_ID, "sub": "grd-1", "nonce": seen["nonce"], "iat": now,
                               "exp": now + 300}, key, algorithm="RS256", headers={"kid": "k1"})
        return jsonify(access_token=ACCESS_TOKEN, token_type="Bearer", expires_in=300, id_token=id_token)

    @app.get("/me")  # stands in for the roster service
    def me():
        if request.headers.get("Authorization") != f"Bearer {ACCESS_TOKEN}":
            return jsonify(title="Unauthorized"), 401
        return jsonify(principal={"sub": "grd-1", "role": "guardian", "district_id": "d-1", "school_ids": []},
                       person={"given_name": "Ana", "family_name": "Ruiz", "language": "es"}, schools=[])

    server = make_server("127.0.0.1", port, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield base, seen
    server.shutdown()


def test_code_flow_with_pkce_signs_the_person_in_with_the_idp_access_token(idp):
    from services.portal import create_app

    base, seen = idp
    app = create_app({"secret_key": "k", "oidc_issuer": base, "oidc_client_id": CLIENT_ID,
                      "oidc_client_secret": SECRET, "urls": {"roster": base, "notifications": base}})
    client = app.test_client()
    assert client.get("/login").headers["Location"].startswith("/login/oidc")
    redirect = client.get("/login/oidc")
    assert redirect.status_code == 302
    url = urlparse(redirect.headers["Location"])
    query = {k: v[0] for k, v in parse_qs(url.query).items()}
    assert f"{url.scheme}://{url.netloc}{url.path}" == f"{base}/authorize"
    assert query["client_id"] == CLIENT_ID and query["code_challenge_method"] == "S256"
    assert "openid" in query["scope"].split()
    seen.update(challenge=query["code_challenge"], nonce=query["nonce"])

    done = client.get(f"/login/oidc/callback?code=the-code&state={query['state']}")
    assert done.status_code == 302 and done.headers["Location"].endswith("/family/")
    with client.session_transaction() as s:
        assert s["user"]["token"] == ACCESS_TOKEN and s["user"]["role"] == "guardian"
        assert s["user"]["lang"] == "es"


def test_a_forged_state_is_refused(idp):
    from services.portal import create_app

    base, _seen = idp
    app = create_app({"secret_key": "k", "oidc_issuer": base, "oidc_client_id": CLIENT_ID,
                      "oidc_client_secret": SECRET, "urls": {"roster": base, "notifications": base}})
    client = app.test_client()
    client.get("/login/oidc")
    resp = client.get("/login/oidc/callback?code=the-code&state=forged")
    assert resp.status_code == 400
    with client.session_transaction() as s:
        assert "user" not in s


def test_a_message_link_goes_through_the_district_sign_in_and_back_to_its_page(idp):
    from services.portal import create_app

    base, seen = idp
    app = create_app({"secret_key": "k", "oidc_issuer": base, "oidc_client_id": CLIENT_ID,
                      "oidc_client_secret": SECRET, "urls": {"roster": base, "notifications": base}})
    client = app.test_client()
    link = client.get("/family/bookings/b-1?x=1")  # the link in a confirmation e-mail, signed out
    assert link.status_code == 302 and link.headers["Location"].startswith("/login?next=")
    to_oidc = client.get(link.headers["Location"])
    assert to_oidc.headers["Location"].startswith("/login/oidc?next=")
    url = urlparse(client.get(to_oidc.headers["Location"]).headers["Location"])
    query = {k: v[0] for k, v in parse_qs(url.query).items()}
    seen.update(challenge=query["code_challenge"], nonce=query["nonce"])
    done = client.get(f"/login/oidc/callback?code=the-code&state={query['state']}")
    assert done.status_code == 302 and done.headers["Location"] == "/family/bookings/b-1?x=1"
