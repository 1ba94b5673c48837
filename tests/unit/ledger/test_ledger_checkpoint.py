"""C2SP signed notes and tlog checkpoints: the published Go vector, and every refusal."""

import base64

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from saphan.errors import IntegrityError
from saphan.ledger import merkle
from saphan.ledger.checkpoint import (
    Checkpoint,
    log_verifier_key,
    parse_checkpoint,
    sign_checkpoint,
    verify_checkpoint,
)
from saphan.ledger.note import NoteVerifier, open_note, parse_note, sign_note

# The example key and note of the Go reference implementation (golang.org/x/mod/sumdb/note).
GO_SEED = "AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"  # base64(0x01 || seed)
GO_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
GO_TEXT = (
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n"
)
GO_NOTE = (
    GO_TEXT + "\n\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC"
    "2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"
)
ORIGIN = "saphan.example/log"


def _go_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(base64.b64decode(GO_SEED)[1:])


def test_signing_reproduces_the_go_reference_note_and_verifier_key() -> None:
    key = _go_key()
    assert str(NoteVerifier.of("PeterNeumann", key.public_key())) == GO_VKEY
    assert sign_note(GO_TEXT, "PeterNeumann", key) == GO_NOTE
    assert open_note(GO_NOTE, [NoteVerifier.parse(GO_VKEY)]).text == GO_TEXT


def _checkpoint(size: int = 3, extensions: tuple[str, ...] = ()) -> Checkpoint:
    leaves = [merkle.leaf_hash(bytes([i])) for i in range(size)]
    return Checkpoint(ORIGIN, size, merkle.root(leaves), extensions)


def test_checkpoint_text_signature_line_and_verifier_key_have_the_c2sp_form() -> None:
    key = Ed25519PrivateKey.generate()
    cp = _checkpoint()
    note = sign_checkpoint(cp, key)
    root_b64 = base64.b64encode(cp.root_hash).decode()
    text, sig_line = note.split("\n\n")
    assert text + "\n" == f"{ORIGIN}\n3\n{root_b64}\n"
    assert sig_line.startswith(f"\u2014 {ORIGIN} ") and sig_line.endswith("\n")
    signature = base64.b64decode(sig_line.split(" ")[2])
    vkey = log_verifier_key(ORIGIN, key.public_key())
    name, hex_id, encoded = vkey.split("+", 2)
    assert name == ORIGIN
    assert signature[:4].hex() == hex_id and len(signature) == 4 + 64
    assert base64.b64decode(encoded)[0] == 0x01
    assert verify_checkpoint(note, vkey) == cp


def test_extension_lines_round_trip() -> None:
    key = Ed25519PrivateKey.generate()
    cp = _checkpoint(5, ("ext one", "ext two"))
    note = sign_checkpoint(cp, key)
    assert parse_checkpoint(note) == cp
    assert verify_checkpoint(note, log_verifier_key(ORIGIN, key.public_key())) == cp


def test_empty_tree_checkpoint() -> None:
    cp = Checkpoint(ORIGIN, 0, merkle.EMPTY_ROOT)
    assert cp.text().splitlines()[1] == "0"
    assert parse_checkpoint(cp.text()) == cp


def test_unknown_signatures_are_ignored_and_one_known_suffices() -> None:
    log_key, witness = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    cp = _checkpoint()
    signed = parse_note(sign_checkpoint(cp, log_key))
    cosigned = sign_note(cp.text(), "witness.example/w1", witness, keep=signed.signatures)
    vkey = log_verifier_key(ORIGIN, log_key.public_key())
    assert verify_checkpoint(cosigned, vkey) == cp
    witness_vkey = str(NoteVerifier.of("witness.example/w1", witness.public_key()))
    both = open_note(cosigned, [NoteVerifier.parse(vkey), NoteVerifier.parse(witness_vkey)])
    assert [s.name for s in both.signatures] == [ORIGIN, "witness.example/w1"]


def test_a_known_key_with_a_bad_signature_rejects_the_note() -> None:
    key = Ed25519PrivateKey.generate()
    good = sign_checkpoint(_checkpoint(), key)
    other = parse_note(sign_checkpoint(_checkpoint(4), key)).signatures[0]
    # Size 3's text with size 4's signature (same key name and id) followed by a good one.
    forged = _checkpoint().text() + "\n" + other.line() + parse_note(good).signatures[0].line()
    with pytest.raises(IntegrityError, match="does not verify"):
        verify_checkpoint(forged, log_verifier_key(ORIGIN, key.public_key()))


def test_tampering_and_wrong_keys_are_refused() -> None:
    key = Ed25519PrivateKey.generate()
    vkey = log_verifier_key(ORIGIN, key.public_key())
    note = sign_checkpoint(_checkpoint(), key)
    lines = note.split("\n")
    cases = {
        "size changed": note.replace("\n3\n", "\n4\n", 1),
        "other log's key": sign_checkpoint(_checkpoint(), Ed25519PrivateKey.generate()),
        "no signatures": _checkpoint().text(),
        "hyphen instead of em dash": note.replace("\u2014", "--"),
        "control character": note.replace(ORIGIN, ORIGIN + "\t", 1),
        "signature not base64": "\n".join([*lines[:-2], lines[-2] + "!", ""]),
    }
    for name, text in cases.items():
        try:
            verify_checkpoint(text, vkey)
        except IntegrityError as exc:
            assert exc.problems, name
        else:
            pytest.fail(f"accepted a checkpoint with: {name}")


def test_a_checkpoint_of_another_origin_signed_with_the_same_key_is_refused() -> None:
    key = Ed25519PrivateKey.generate()
    vkey = log_verifier_key(ORIGIN, key.public_key())
    # Signed under the right key name, but the text names another log.
    text = Checkpoint("other.example/log", 3, _checkpoint().root_hash).text()
    with pytest.raises(IntegrityError, match="another log"):
        verify_checkpoint(sign_note(text, ORIGIN, key), vkey)


@pytest.mark.parametrize(
    "text",
    [
        f"{ORIGIN}\n03\n{base64.b64encode(bytes(32)).decode()}\n",  # leading zero
        f"{ORIGIN}\n-1\n{base64.b64encode(bytes(32)).decode()}\n",
        f"{ORIGIN}\n3\n{base64.b64encode(bytes(31)).decode()}\n",  # short root
        f"{ORIGIN}\n3\n{base64.b64encode(bytes(32)).decode().rstrip('=')}\n",  # unpadded
        f"{ORIGIN}\n3\n",
        f"bad origin\n3\n{base64.b64encode(bytes(32)).decode()}\n",
        f"{ORIGIN}\n3\n{base64.b64encode(bytes(32)).decode()}",  # no final newline
    ],
)
def test_malformed_checkpoint_text_is_refused(text: str) -> None:
    with pytest.raises(IntegrityError, match=r"malformed|key name"):
        parse_checkpoint(text)


def test_verifier_keys_are_checked() -> None:
    key = Ed25519PrivateKey.generate()
    name, hex_id, encoded = log_verifier_key(ORIGIN, key.public_key()).split("+", 2)
    not_ed25519 = base64.b64encode(bytes([2]) + bytes(32)).decode()
    for bad in (
        f"{name}+00000000+{encoded}",
        f"{name}+{hex_id}",
        f"{name}+{hex_id}+{not_ed25519}",
    ):
        with pytest.raises(IntegrityError):
            NoteVerifier.parse(bad)
