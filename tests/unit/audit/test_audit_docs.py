"""The proof algorithms printed in the auditors' guide agree with the ledger's verifiers."""

from __future__ import annotations

import hashlib
import re
from typing import Any

from conftest import ROOT

from saphan.ledger import merkle


def _guide_code() -> dict[str, Any]:
    text = (ROOT / "docs" / "auditors.md").read_text(encoding="utf-8")
    blocks = [b for b in re.findall(r"```python\n(.*?)```", text, re.S) if "def node_hash" in b]
    assert len(blocks) == 1
    namespace: dict[str, Any] = {}
    exec(compile(blocks[0], "auditors.md", "exec"), namespace)  # our own guide's code
    return namespace


def test_the_guides_proof_code_accepts_every_good_proof_and_a_bad_root_fails() -> None:
    guide = _guide_code()
    leaves = [merkle.leaf_hash(bytes([i])) for i in range(33)]
    other = hashlib.sha256(b"another root").digest()
    for n in range(1, len(leaves) + 1):
        root = merkle.root(leaves[:n])
        for i in range(n):
            proof = merkle.inclusion_proof(leaves[:n], i)
            assert guide["root_from_inclusion"](i, n, leaves[i], proof) == root
        for m in range(1, n + 1):
            proof = merkle.consistency_proof(leaves[:n], m)
            old = merkle.root(leaves[:m])
            assert guide["verify_consistency"](m, n, proof, old, root)
            assert not guide["verify_consistency"](m, n, proof, old, other)
