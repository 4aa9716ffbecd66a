"""The canonical form that is signed, and signing and verifying with this deployment's key."""

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from jisheng.exchange import envelopes, signing


def test_the_canonical_form_is_independent_of_key_order_and_leaves_the_signature_out():
    one = {"b": 1, "a": {"y": "流动", "x": [1, 2]}, "signature": "x"}
    two = {"a": {"x": [1, 2], "y": "流动"}, "b": 1}
    assert signing.canonical(one) == signing.canonical(two) == '{"a":{"x":[1,2],"y":"流动"},"b":1}'.encode()


def test_a_signed_document_verifies_with_the_signers_public_key_only():
    key, other = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    document = signing.sign({"id": "1", "body": {"n": 1}}, key)
    assert signing.verify(document, signing.public_key_text(key.public_key()))
    assert not signing.verify(document, signing.public_key_text(other.public_key()))


def test_any_change_to_a_signed_document_breaks_its_signature():
    key = Ed25519PrivateKey.generate()
    public = signing.public_key_text(key.public_key())
    document = signing.sign({"id": "1", "body": {"n": 1}}, key)
    assert not signing.verify({**document, "body": {"n": 2}}, public)
    assert not signing.verify({**document, "extra": True}, public)
    assert not signing.verify({k: v for k, v in document.items() if k != "signature"}, public)
    assert not signing.verify({**document, "signature": "not base64!"}, public)


def test_this_deployments_key_is_made_once_and_kept_private(settings, tmp_path):
    settings.KEYS_DIR = tmp_path
    first = signing.own_public_key()
    assert signing.own_public_key() == first
    assert (tmp_path / "exchange" / "ed25519.key").stat().st_mode & 0o077 == 0
    assert (tmp_path / "exchange" / "ed25519.pub").read_text().strip() == first


def test_the_content_hash_ignores_the_transmission_time_and_signature():
    envelope = {"id": "1", "sent": "a", "signature": "s", "body": {}}
    assert envelopes.content_hash(envelope) == envelopes.content_hash(
        {**envelope, "sent": "b", "signature": "t"}
    )
    assert envelopes.content_hash(envelope) != envelopes.content_hash({**envelope, "body": {"x": 1}})
