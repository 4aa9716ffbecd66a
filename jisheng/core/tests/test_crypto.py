"""Commercial cryptography: the standards' published vectors, and what the interface promises."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from jisheng.core.crypto import (
    digest_hex,
    hmac_sm3,
    sm2_keypair,
    sm2_sign,
    sm2_verify,
    sm3,
    sm4_gcm_decrypt,
    sm4_gcm_encrypt,
)
from jisheng.core.crypto.fields import blind_index, seal, sealed_length, unseal
from jisheng.core.crypto.keys import FileKeyStore
from jisheng.core.crypto.primitives import DecryptionFailed

KEY = bytes.fromhex("0123456789abcdeffedcba9876543210")


def test_sm3_gives_the_digests_of_gb_t_32905_appendix_a() -> None:
    assert sm3(b"abc").hex() == "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
    assert (
        digest_hex("sm3", b"abcd" * 16) == "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732"
    )


def test_sm4_enciphers_the_example_block_of_gb_t_32907_appendix_a() -> None:
    encryptor = Cipher(algorithms.SM4(KEY), modes.ECB()).encryptor()
    assert (encryptor.update(KEY) + encryptor.finalize()).hex() == "681edf34d206965e86b3e94f536e4246"


def test_sm4_gcm_matches_the_test_vector_of_rfc_8998() -> None:
    key = bytes.fromhex("0123456789ABCDEFFEDCBA9876543210")
    nonce = bytes.fromhex("00001234567800000000ABCD")
    aad = bytes.fromhex("FEEDFACEDEADBEEFFEEDFACEDEADBEEFABADDAD2")
    plaintext = bytes.fromhex(
        "AA" * 8 + "BB" * 8 + "CC" * 8 + "DD" * 8 + "EE" * 8 + "FF" * 8 + "EE" * 8 + "AA" * 8
    )
    ciphertext = bytes.fromhex(
        "17F399F08C67D5EE19D0DC9969C4BB7D5FD46FD3756489069157B282BB200735"
        "D82710CA5C22F0CCFA7CBF93D496AC15A56834CBCF98C397B4024A2691233B8D"
    )
    tag = bytes.fromhex("83DE3541E4C2B58177E065A9BF7B62EC")
    assert sm4_gcm_decrypt(key, nonce + ciphertext + tag, aad) == plaintext


def test_sm4_gcm_refuses_an_altered_ciphertext_other_data_or_another_key() -> None:
    sealed = sm4_gcm_encrypt(KEY, b"6222020200112233445", b"benefits.payee")
    assert sealed != sm4_gcm_encrypt(KEY, b"6222020200112233445", b"benefits.payee")  # fresh nonce
    altered = sealed[:-1] + bytes([sealed[-1] ^ 1])
    for key, data, associated in (
        (KEY, altered, b"benefits.payee"),
        (KEY, sealed, b"other"),
        (b"k" * 16, sealed, b"benefits.payee"),
    ):
        with pytest.raises(DecryptionFailed):
            sm4_gcm_decrypt(key, data, associated)


def test_hmac_sm3_is_the_rfc_2104_construction_over_sm3() -> None:
    key, message = b"key", b"The quick brown fox jumps over the lazy dog"
    block = key.ljust(64, b"\0")
    inner = sm3(bytes(b ^ 0x36 for b in block) + message)
    assert hmac_sm3(key, message) == sm3(bytes(b ^ 0x5C for b in block) + inner)


def test_an_sm2_signature_verifies_and_fails_on_another_message_identity_or_key() -> None:
    private, public = sm2_keypair()
    signature = sm2_sign(private, "准生证 2026-0001".encode())
    assert len(private) == 32 and len(public) == 64 and len(signature) == 64
    assert sm2_verify(public, "准生证 2026-0001".encode(), signature)
    assert not sm2_verify(public, "准生证 2026-0002".encode(), signature)
    assert not sm2_verify(public, "准生证 2026-0001".encode(), signature, identity=b"ALICE123@YAHOO.COM")
    assert not sm2_verify(sm2_keypair()[1], "准生证 2026-0001".encode(), signature)


def test_a_sealed_column_opens_only_for_its_own_purpose_and_finds_by_its_blind_index(
    settings, tmp_path
) -> None:
    settings.KEYS_DIR = tmp_path
    sealed = seal("6222020200112233445", purpose="benefits.payee.bank_account")
    assert sealed.startswith("sm4gcm:1:") and "6222" not in sealed
    assert len(sealed) <= sealed_length(len("6222020200112233445"))
    assert unseal(sealed, purpose="benefits.payee.bank_account") == "6222020200112233445"
    assert unseal("6222020200112233445", purpose="benefits.payee.bank_account") == "6222020200112233445"
    with pytest.raises(DecryptionFailed):
        unseal(sealed, purpose="registry.person.phone")
    index = blind_index("6222020200112233445", purpose="benefits.payee.bank_account")
    assert index == blind_index("6222020200112233445", purpose="benefits.payee.bank_account")
    assert index != blind_index("6222020200112233446", purpose="benefits.payee.bank_account")
    assert len(index) == 64 and seal("", purpose="x") == "" and blind_index("", purpose="x") == ""


def test_keys_are_made_once_readable_by_the_service_only(tmp_path) -> None:
    store = FileKeyStore(tmp_path / "sm")
    first = store.secret("field-sm4-1", 16)
    assert store.secret("field-sm4-1", 16) == first and len(first) == 16
    assert (tmp_path / "sm" / "field-sm4-1.key").stat().st_mode & 0o077 == 0
    with pytest.raises(ValueError):
        store.secret("../escape", 16)
