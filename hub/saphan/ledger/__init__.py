"""The ledger's pure core: canonical JSON, Merkle math, keys, receipts, checkpoints, entries.

Modules, one concept each:

* :mod:`~saphan.ledger.jcs`: RFC 8785 canonical JSON, the one canonicalizer;
* :mod:`~saphan.ledger.merkle`: RFC 9162 hashing, proofs over lists, proof verifiers;
* :mod:`~saphan.ledger.nodes`: the same proofs from stored subtree hashes, and appends;
* :mod:`~saphan.ledger.keys`: Ed25519 keys with ids, the hub's key ring, key files;
* :mod:`~saphan.ledger.pubkeys`: key ids, JWKs, base64url, agencies' public keys;
* :mod:`~saphan.ledger.receipts`: JWS receipts (issue, verify);
* :mod:`~saphan.ledger.note` and :mod:`~saphan.ledger.checkpoint`: C2SP signed notes and
  the log's signed checkpoints;
* :mod:`~saphan.ledger.entries`: the log entry models and case commitments;
* :mod:`~saphan.ledger.fields`: the field types receipts and entries share.

No database and no HTTP here: the log table, the API and the auditor's client are built on
these functions elsewhere.
"""
