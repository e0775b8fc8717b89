"""One-shot set-up of the compose RabbitMQ through its management API (stdlib only, run
by the `rabbitmq-init` service): import definitions.json (vhost, exchanges, policies)
and create the services' user with the password from the environment. Idempotent.

    RABBITMQ_ADMIN_USER / RABBITMQ_ADMIN_PASSWORD     the administrator (RABBITMQ_DEFAULT_*)
    RABBITMQ_CONFER_PASSWORD                          the `confer` user's password
"""
import base64
import json
import os
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

API = os.environ.get("RABBITMQ_API", "http://rabbitmq:15672/api")
VHOST = "confer"


def call(method: str, path: str, body=None) -> None:
    auth = base64.b64encode(f"{os.environ['RABBITMQ_ADMIN_USER']}:{os.environ['RABBITMQ_ADMIN_PASSWORD']}".encode())
    request = urllib.request.Request(f"{API}{path}", method=method, data=json.dumps(body).encode() if body else None,
                                     headers={"Authorization": f"Basic {auth.decode()}",
                                              "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10):
        pass


def main() -> int:
    definitions = json.loads((Path(__file__).parent / "definitions.json").read_text())
    for attempt in range(60):
        try:
            call("GET", "/overview")
            break
        except (urllib.error.URLError, OSError):
            time.sleep(2)
    call("POST", "/definitions", definitions)
    call("PUT", "/users/confer", {"password": os.environ["RABBITMQ_CONFER_PASSWORD"], "tags": ""})
    call("PUT", f"/permissions/{VHOST}/confer", {"configure": ".*", "write": ".*", "read": ".*"})
    print("rabbitmq: definitions imported, user confer ready")
    return 0


if __name__ == "__main__":
    sys.exit(main())
