"""A real OpenID Connect provider on 127.0.0.1 for the sign-in tests.

``oidc-provider-mock`` (MIT; built on Authlib) serves the whole Authorization Code flow: a
discovery document, an authorize endpoint with a sign-in form, a token endpoint that issues an
RS256-signed ID token, the JWKS to check it, userinfo and end-session. It runs in a thread of
the test process; nothing is fetched from the internet (its pages link one stylesheet from a
CDN, which the browser tests block).
"""

from __future__ import annotations

import contextlib
import secrets
import threading
from collections.abc import Iterator, Mapping

#: The provider's name in ``[auth.<name>]``, shown on the sign-in button.
PROVIDER = "fiu-idp"
CLIENT_ID = "moneytrail-dashboard"


@contextlib.contextmanager
def running_provider(users: Mapping[str, Mapping[str, object]]) -> Iterator[str]:
    """Serve a provider that knows ``users`` (subject -> ID-token claims); yield its issuer URL.

    Nonces are required, as a real provider would check them.
    """
    import oidc_provider_mock
    import werkzeug.serving

    app = oidc_provider_mock.app(
        require_nonce=True,
        user_claims=[
            oidc_provider_mock.User(sub=sub, claims=dict(claims)) for sub, claims in users.items()
        ],
    )
    server = werkzeug.serving.make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1})
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


def secrets_toml(issuer: str, app_url: str) -> str:
    """Streamlit's ``.streamlit/secrets.toml`` for signing in to the app at ``app_url``."""
    return (
        "[auth]\n"
        f'redirect_uri = "{app_url}/oauth2callback"\n'
        f'cookie_secret = "{secrets.token_hex(32)}"\n'
        f"[auth.{PROVIDER}]\n"
        f'client_id = "{CLIENT_ID}"\n'
        f'client_secret = "{secrets.token_hex(16)}"\n'
        f'server_metadata_url = "{issuer}/.well-known/openid-configuration"\n'
    )
