"""Text clean-up shared by every form and import: what real spreadsheets and phones type."""

import unicodedata


def normalize_text(value: str) -> str:
    """Full-width to half-width (NFKC), collapse inner runs of white space, strip the ends.

    NFKC turns full-width digits and letters (１２３ＡＢＣ) into ASCII and the ideographic space into a
    plain one, while leaving Chinese characters untouched.
    """
    return " ".join(unicodedata.normalize("NFKC", value).split())
