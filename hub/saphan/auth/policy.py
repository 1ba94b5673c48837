"""The hub's signature profile: the fixed choices both ends of a request agree on.

RFC 9421 leaves the algorithm, the covered components, the label and the lifetime
to the application. The hub's contract fixes them here, once, so that the signer
(:mod:`saphan.auth.signing`) and the verifier (:mod:`saphan.auth.verify`) cannot
drift apart. This module holds only constants and the one rule that depends on the
request (whether ``content-type`` must be covered); it does no I/O and no crypto.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Final

#: ``alg`` parameter and the only algorithm the hub signs or accepts.
ALGORITHM: Final = "ed25519"

#: Dictionary key of the signature in ``Signature-Input`` and ``Signature``. Labels are
#: not signed; the verifier accepts any single label but the hub always writes this one.
LABEL: Final = "saphan"

#: Components every request signature covers, in the order the hub signs them.
ALWAYS_COVERED: Final = ("@method", "@target-uri", "content-digest")

#: Covered whenever the request has a body or a Content-Type field.
CONTENT_TYPE: Final = "content-type"

#: Signature parameters a request signature must carry (``alg`` is optional).
REQUIRED_PARAMETERS: Final = ("created", "expires", "keyid", "nonce")

#: Every parameter RFC 9421 defines; anything else is refused rather than ignored,
#: because an unknown parameter may change the meaning of the signature for its sender.
KNOWN_PARAMETERS: Final = frozenset({"alg", "created", "expires", "keyid", "nonce", "tag"})

#: Lifetime the hub's own signer gives a request.
DEFAULT_TTL: Final = timedelta(seconds=300)

#: Longest ``expires - created`` a verifier accepts: it bounds how long a nonce must be
#: remembered and how long a captured request stays useful.
MAX_VALIDITY: Final = timedelta(hours=1)

#: Tolerated difference between the sender's clock and the hub's.
DEFAULT_SKEW: Final = timedelta(seconds=30)

#: Longest nonce accepted; keeps the replay store's rows small.
MAX_NONCE_LENGTH: Final = 128


def covered_components(*, has_body: bool, has_content_type: bool) -> tuple[str, ...]:
    """The components a request with (or without) a body and a Content-Type must cover.

    A body always travels with its media type, so ``content-type`` is required when
    there is a body; a request without a body (a ``GET``) covers it only if it has one.
    ``content-digest`` is covered even for an empty body: the digest of no bytes still
    proves that no body was added on the way.
    """
    if has_body or has_content_type:
        return ("@method", "@target-uri", CONTENT_TYPE, "content-digest")
    return ALWAYS_COVERED
