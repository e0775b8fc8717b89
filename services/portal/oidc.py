"""Sign-in with the district's identity provider: OpenID Connect authorization-code
flow with PKCE (S256), through Authlib. Configured by PORTAL_OIDC_ISSUER (its
/.well-known/openid-configuration), PORTAL_OIDC_CLIENT_ID / _SECRET and _SCOPES.

The access token the IdP issues is what the portal forwards to the services, which
verify it against the IdP's JWKS (JWT_JWKS_URL, RS256, audience JWT_AUDIENCE). The IdP
must therefore put `role` (student | guardian | teacher | school_admin | district_admin),
`district_id` and `school_ids` claims into its access tokens for the Confer audience.
"""
from __future__ import annotations

from flask import current_app

NAME = "district"


def init_app(app, settings) -> None:
    if not settings.oidc_enabled:
        return
    from authlib.integrations.flask_client import OAuth  # only needed when OIDC is configured

    oauth = OAuth(app)
    oauth.register(
        NAME,
        server_metadata_url=settings.oidc_issuer.rstrip("/") + "/.well-known/openid-configuration",
        client_id=settings.oidc_client_id,
        client_secret=settings.oidc_client_secret,
        client_kwargs={"scope": settings.oidc_scopes, "code_challenge_method": "S256"},
    )
    app.extensions["portal"]["oauth"] = oauth


def client():
    return current_app.extensions["portal"]["oauth"].create_client(NAME)


class SignInFailed(Exception):
    pass


def access_token() -> str:
    """Finish the code flow (state, PKCE and the ID token are checked by Authlib)."""
    from authlib.integrations.base_client.errors import OAuthError

    try:
        token = client().authorize_access_token()
    except (OAuthError, KeyError, ValueError) as exc:
        raise SignInFailed(str(exc)) from None
    return token["access_token"]
