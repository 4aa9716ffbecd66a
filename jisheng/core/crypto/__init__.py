"""Commercial cryptography (商用密码, GB/T 39786-2021) behind one interface.

- ``digest(name, data)``: SM3 (GB/T 32905-2016) or SHA-256; ``hmac_sm3(key, data)``.
- ``sm4_gcm_encrypt`` / ``sm4_gcm_decrypt``: SM4 (GB/T 32907-2016) in GCM mode, authenticated.
- ``sm2_keypair``, ``sm2_sign``, ``sm2_verify``: SM2 signatures (GB/T 32918-2016) with SM3 and the
  signer's identity (ZA, GM/T 0009's default ``1234567812345678``).
- ``keys``: where keys come from (a file store in the data directory, replaceable by a certified
  cryptographic module through the ``KeyStore`` interface).
- ``fields``: sealing one column at rest with SM4-GCM and a keyed SM3 index to find it again.

SM3, HMAC-SM3 and SM4 come from ``cryptography`` (OpenSSL's implementations); SM2 from
``snowland-smx`` (pure Python; ``cryptography`` has no SM2). See docs/security.md.
"""

from .primitives import (
    SM2_DEFAULT_ID,
    digest,
    digest_hex,
    hmac_sm3,
    sm2_keypair,
    sm2_sign,
    sm2_verify,
    sm3,
    sm4_gcm_decrypt,
    sm4_gcm_encrypt,
)

__all__ = [
    "SM2_DEFAULT_ID",
    "digest",
    "digest_hex",
    "hmac_sm3",
    "sm2_keypair",
    "sm2_sign",
    "sm2_verify",
    "sm3",
    "sm4_gcm_decrypt",
    "sm4_gcm_encrypt",
]
