"""Authentication of requests between agencies and the hub (both directions).

Every agency call to the hub and every push from the hub to an agency carries an
RFC 9421 HTTP Message Signature (``ed25519``, ``keyid`` = agency code or hub key id)
over ``@method``, ``@target-uri``, ``content-type`` and an RFC 9530 ``content-digest``,
with ``created``, ``expires`` and ``nonce``:

* :mod:`~saphan.auth.policy`: the profile both ends share;
* :mod:`~saphan.auth.digest`: ``Content-Digest`` (SHA-256);
* :mod:`~saphan.auth.target`: the one spelling of ``@target-uri``, and how a server
  rebuilds it;
* :mod:`~saphan.auth.signing`: :func:`sign_request` and the ``httpx`` auth
  :class:`SaphanSigner`;
* :mod:`~saphan.auth.verify`: :func:`verify_request`, framework-agnostic;
* :mod:`~saphan.auth.nonces`: the replay store interface and an in-memory store.

What an authenticated agency may read or change is decided elsewhere.
"""

from saphan.auth.digest import content_digest, digest_problems, verify_content_digest
from saphan.auth.nonces import MemoryNonceStore, NonceStore
from saphan.auth.signing import SaphanSigner, sign_request
from saphan.auth.target import normalize_url, target_uri
from saphan.auth.verify import KeyResolver, VerifiedRequest, verify_request

__all__ = [
    "KeyResolver",
    "MemoryNonceStore",
    "NonceStore",
    "SaphanSigner",
    "VerifiedRequest",
    "content_digest",
    "digest_problems",
    "normalize_url",
    "sign_request",
    "target_uri",
    "verify_content_digest",
    "verify_request",
]
