from typing import Any

from django.conf import settings
from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticStorage(CompressedManifestStaticFilesStorage):
    """Hashed, compressed names once `collectstatic` has run; plain names before (tests, a fresh checkout).

    WhiteNoise serves the app's static directories directly in that case (WHITENOISE_USE_FINDERS).
    """

    def create_compressor(self, **kwargs: Any) -> Any:
        # gzip only: brotli at its top quality takes minutes over Django admin's thousand files on
        # two cores, and every browser on a government intranet accepts gzip.
        return super().create_compressor(**{**kwargs, "use_brotli": False})

    def url(self, name: Any, force: bool = False) -> str:
        # The manifest is read once when the storage is created; no manifest means no collectstatic yet.
        if not self.hashed_files:
            return settings.STATIC_URL + str(name)
        return super().url(name, force)
