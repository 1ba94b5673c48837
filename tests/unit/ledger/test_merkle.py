"""RFC 9162 Merkle math against the public transparency-dev vectors.

Every vector file is checked: a verifier that accepts one marked ``wantErr`` or refuses a
good one fails here. The happy-path proofs are also regenerated from the RFC 6962
reference leaves, by the list path and by the stored-node path.
"""

import base64
import json
from pathlib import Path
from typing import Any

import pytest
from conftest import MERKLE_VECTORS, require

from saphan.errors import InputError, IntegrityError
from saphan.ledger import merkle
from saphan.ledger.nodes import (
    MemoryNodeStore,
    append_leaves,
    consistency_proof_from,
    inclusion_proof_from,
)

# The leaves of the RFC 6962 reference tree (transparency-dev testonly), as hex.
REFERENCE_LEAVES = [
    "",
    "00",
    "10",
    "2021",
    "3031",
    "40414243",
    "5051525354555657",
    "606162636465666768696a6b6c6d6e6f",
]


def _vectors(kind: str) -> list[Path]:
    return sorted((MERKLE_VECTORS / kind).rglob("*.json"))


def _ids(paths: list[Path]) -> list[str]:
    return [str(p.relative_to(MERKLE_VECTORS)) for p in paths]


@pytest.fixture(scope="module", autouse=True)
def _vectors_present() -> None:
    require(MERKLE_VECTORS.is_dir(), f"the Merkle vectors are not at {MERKLE_VECTORS}")


def _load(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text())
    data["proof"] = [base64.b64decode(h) for h in data["proof"] or []]
    return data


def _b(text: str) -> bytes:
    return base64.b64decode(text)


def _reference_tree() -> list[bytes]:
    return [merkle.leaf_hash(bytes.fromhex(x)) for x in REFERENCE_LEAVES]


def test_the_vectors_are_all_there() -> None:
    # Guards the parametrised tests below against silently running over nothing.
    assert len(_vectors("inclusion")) >= 90
    assert len(_vectors("consistency")) >= 90


@pytest.mark.parametrize("path", _vectors("inclusion"), ids=_ids(_vectors("inclusion")))
def test_inclusion_verifier_agrees_with_vector(path: Path) -> None:
    v = _load(path)
    args = (_b(v["leafHash"]), v["leafIdx"], v["treeSize"], v["proof"], _b(v["root"]))
    if v["wantErr"]:
        with pytest.raises(IntegrityError) as caught:
            merkle.verify_inclusion(*args)
        assert caught.value.problems, "the refusal must say what failed"
    else:
        merkle.verify_inclusion(*args)


@pytest.mark.parametrize("path", _vectors("consistency"), ids=_ids(_vectors("consistency")))
def test_consistency_verifier_agrees_with_vector(path: Path) -> None:
    v = _load(path)
    args = (v["size1"], v["size2"], v["proof"], _b(v["root1"]), _b(v["root2"]))
    if v["wantErr"]:
        with pytest.raises(IntegrityError) as caught:
            merkle.verify_consistency(*args)
        assert caught.value.problems, "the refusal must say what failed"
    else:
        merkle.verify_consistency(*args)


def _happy(kind: str) -> list[Path]:
    return [p for p in _vectors(kind) if p.name == "happy-path.json"]


@pytest.mark.parametrize("path", _happy("inclusion"), ids=_ids(_happy("inclusion")))
def test_generated_inclusion_proofs_equal_the_vectors(path: Path) -> None:
    v = _load(path)
    leaves = _reference_tree()[: v["treeSize"]]
    assert leaves[v["leafIdx"]] == _b(v["leafHash"])
    assert merkle.root(leaves) == _b(v["root"])
    assert merkle.inclusion_proof(leaves, v["leafIdx"]) == v["proof"]
    store = MemoryNodeStore(append_leaves(0, (), leaves).nodes)
    assert inclusion_proof_from(store, v["leafIdx"], v["treeSize"]) == v["proof"]


@pytest.mark.parametrize("path", _happy("consistency"), ids=_ids(_happy("consistency")))
def test_generated_consistency_proofs_equal_the_vectors(path: Path) -> None:
    v = _load(path)
    leaves = _reference_tree()[: v["size2"]]
    assert merkle.root(leaves[: v["size1"]]) == _b(v["root1"])
    assert merkle.root(leaves) == _b(v["root2"])
    assert merkle.consistency_proof(leaves, v["size1"]) == v["proof"]
    store = MemoryNodeStore(append_leaves(0, (), _reference_tree()).nodes)
    assert consistency_proof_from(store, v["size1"], v["size2"]) == v["proof"]


def test_reference_roots_at_every_size() -> None:
    # The RFC 6962 reference roots of transparency-dev for sizes 1..8.
    expected = [
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    ]
    leaves = _reference_tree()
    assert [merkle.root(leaves[:n]).hex() for n in range(1, 9)] == expected
    assert (
        merkle.root([])
        == merkle.EMPTY_ROOT
        == bytes.fromhex("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    )


def test_hashing_is_domain_separated() -> None:
    a, b = merkle.leaf_hash(b"a"), merkle.leaf_hash(b"b")
    # A leaf whose bytes look like a node's input does not hash like that node.
    assert merkle.leaf_hash(b"\x01" + a + b) != merkle.node_hash(a, b)
    assert merkle.node_hash(a, b) != merkle.node_hash(b, a)


@pytest.mark.parametrize(("index", "size"), [(0, 0), (5, 5), (-1, 3)])
def test_no_inclusion_proof_outside_the_tree(index: int, size: int) -> None:
    with pytest.raises(InputError):
        merkle.inclusion_proof(_reference_tree()[:size], index)


@pytest.mark.parametrize("first", [0, 9])
def test_no_consistency_proof_outside_the_tree(first: int) -> None:
    with pytest.raises(InputError):
        merkle.consistency_proof(_reference_tree(), first)


def test_equal_sizes_need_no_consistency_hashes() -> None:
    leaves = _reference_tree()
    assert merkle.consistency_proof(leaves, 8) == []
    merkle.verify_consistency(8, 8, [], merkle.root(leaves), merkle.root(leaves))


def test_a_proof_with_a_malformed_hash_is_refused_with_its_position() -> None:
    leaves = _reference_tree()
    proof = merkle.inclusion_proof(leaves, 3)
    proof[1] = proof[1][:31]
    with pytest.raises(IntegrityError) as caught:
        merkle.verify_inclusion(leaves[3], 3, 8, proof, merkle.root(leaves))
    assert caught.value.problems[0].path == "/hashes/1"
