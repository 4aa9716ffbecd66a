"""What sealing keeps between values (the key store, the current key version, the keyed HMAC state, the
checked SM4 key) gives the same answers as starting afresh, and follows a change of keys."""

from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import hmac as crypto_hmac

from jisheng.core.crypto import keys
from jisheng.core.crypto.fields import blind_index, seal_equal, unseal
from jisheng.core.crypto.primitives import DecryptionFailed, hmac_sm3, sm4_gcm_decrypt, sm4_gcm_encrypt

KEY = bytes(range(32))


def _fresh_hmac(key: bytes, data: bytes) -> bytes:
    mac = crypto_hmac.HMAC(key, hashes.SM3())
    mac.update(data)
    return mac.finalize()


def test_the_kept_hmac_key_state_gives_what_a_freshly_keyed_hmac_gives_however_often_used() -> None:
    for data in (b"", b"abc", b"41172319850302123X" * 5, b"abc"):
        assert hmac_sm3(KEY, data) == _fresh_hmac(KEY, data)
    assert hmac_sm3(KEY[::-1], b"abc") == _fresh_hmac(KEY[::-1], b"abc") != hmac_sm3(KEY, b"abc")


def test_a_value_sealed_under_one_kept_key_does_not_open_under_another() -> None:
    sealed = sm4_gcm_encrypt(KEY[:16], b"6222020200112233445", b"purpose")
    assert sm4_gcm_decrypt(KEY[:16], sealed, b"purpose") == b"6222020200112233445"
    with pytest.raises(DecryptionFailed):
        sm4_gcm_decrypt(KEY[16:], sealed, b"purpose")


def test_a_version_made_current_by_another_process_is_seen_once_the_recheck_interval_has_passed(
    tmp_path: Path, monkeypatch
) -> None:
    store = keys.FileKeyStore(tmp_path)
    assert store.current_version("field-sm4") == "1"
    (tmp_path / "field-sm4.current").write_text("2")  # as another process's rotation writes it
    monkeypatch.setattr(keys, "VERSION_RECHECK_SECONDS", 3600.0)
    assert store.current_version("field-sm4") == "1"  # kept: no stat for every sealed value
    monkeypatch.setattr(keys, "VERSION_RECHECK_SECONDS", 0.0)
    assert store.current_version("field-sm4") == "2"


def test_a_version_this_process_makes_current_is_used_at_once(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(keys, "VERSION_RECHECK_SECONDS", 3600.0)
    store = keys.FileKeyStore(tmp_path)
    assert store.current_version("index-hmac-sm3") == "1"
    store.set_current_version("index-hmac-sm3", "3")
    assert store.current_version("index-hmac-sm3") == "3"


def test_changing_the_keys_directory_changes_the_keys_used(settings, tmp_path: Path) -> None:
    settings.KEYS_DIR = tmp_path / "one"
    first_store = keys.key_store()
    sealed = seal_equal("41172319850302123X", purpose="registry.person.id_number")
    index = blind_index("123X", purpose="registry.person.id_tail")
    settings.KEYS_DIR = tmp_path / "two"
    assert keys.key_store() is not first_store
    assert seal_equal("41172319850302123X", purpose="registry.person.id_number") != sealed
    assert blind_index("123X", purpose="registry.person.id_tail") != index
    settings.KEYS_DIR = tmp_path / "one"
    assert keys.key_store() is first_store
    assert unseal(sealed, purpose="registry.person.id_number") == "41172319850302123X"
