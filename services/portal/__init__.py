"""The portal: the pages families, students, teachers and school staff use.

A server-rendered Flask app (Jinja2, a little plain JavaScript) that calls the other
services' APIs with the signed-in person's token (backend-for-frontend). It owns no
database. `create_app()` is the web app; `confer portal web` serves it under gunicorn
(port 8000) and `confer dev` serves it next to the services.
"""
from __future__ import annotations

from pathlib import Path

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from services.portal.config import PortalSettings

HERE = Path(__file__).parent


def create_app(config: dict | None = None) -> Flask:
    from services.portal import i18n, oidc, security, views

    settings = PortalSettings.from_env(**(config or {}))
    app = Flask("confer.portal", template_folder=str(HERE / "templates"), static_folder=str(HERE / "static"),
                static_url_path="/static")
    app.extensions["portal"] = {"settings": settings}
    app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)  # behind the ingress / compose proxy
    app.jinja_env.trim_blocks = app.jinja_env.lstrip_blocks = True
    security.init_app(app, settings)
    i18n.init_app(app)
    oidc.init_app(app, settings)
    views.init_app(app, settings)
    return app
