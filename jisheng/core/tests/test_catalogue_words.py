"""One Chinese word per English text: Django merges every app's catalogue (and the project's) into one at
run time, so when two apps translate the same text (in the same context) differently, only the word of the
app loaded first shows, on both apps' pages. A text that means something else in one app gets a context
there (pgettext, `{% translate "..." context "..." %}`) and its own entry in that app's catalogue."""

from collections import defaultdict
from pathlib import Path

import polib

PACKAGE = Path(__file__).resolve().parents[2]


def _words_by_text() -> dict[tuple[str | None, str], dict[str, set[str]]]:
    words: dict[tuple[str | None, str], dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    catalogues = sorted(PACKAGE.glob("**/locale/zh_Hans/LC_MESSAGES/django.po"))
    assert len(catalogues) > 15  # every app's catalogue and the project's
    for path in catalogues:
        owner = str(path.parent.parent.parent.parent.relative_to(PACKAGE.parent))
        for entry in polib.pofile(str(path)):
            if entry.obsolete:
                continue
            word = entry.msgstr or (entry.msgstr_plural or {}).get(0, "")
            if word:
                words[(entry.msgctxt or None, entry.msgid)][word].add(owner)
    return words


def test_no_english_text_has_two_chinese_words_across_the_apps() -> None:
    clashes = [
        f"{msgid!r}"
        + (f" (context {context!r})" if context else "")
        + ": "
        + "; ".join(f"{word} in {', '.join(sorted(owners))}" for word, owners in sorted(by_word.items()))
        for (context, msgid), by_word in sorted(
            _words_by_text().items(), key=lambda item: (item[0][1], item[0][0] or "")
        )
        if len(by_word) > 1
    ]
    assert clashes == [], "\n".join(clashes)


def test_every_catalogue_word_is_the_word_the_pages_show() -> None:
    """Django's own apps and the libraries come before ours in INSTALLED_APPS, so their catalogues win over
    ours for a shared text (django.contrib.admin's 过滤器 for a "Filter" button, simple_history's 关闭 for
    closing a petition): such a text needs a context in our app."""
    from django.utils import translation

    word, word_in = translation.gettext, translation.pgettext
    shown_otherwise = []
    with translation.override("zh-hans"):
        for path in sorted(PACKAGE.glob("**/locale/zh_Hans/LC_MESSAGES/django.po")):
            for entry in polib.pofile(str(path)):
                if entry.obsolete or entry.msgid_plural or not entry.msgstr:
                    continue
                shown = word_in(entry.msgctxt, entry.msgid) if entry.msgctxt else word(entry.msgid)
                if shown != entry.msgstr:
                    shown_otherwise.append(f"{path.relative_to(PACKAGE)}: {entry.msgid!r} shows {shown}")
    assert shown_otherwise == [], "\n".join(shown_otherwise)


def test_a_text_with_another_meaning_in_one_app_keeps_its_own_word_there() -> None:
    from django.utils import translation

    # Looked up through other names so that the extraction of texts for translation skips this file.
    word, word_in = translation.gettext, translation.pgettext
    with translation.override("zh-hans"):
        assert word_in("verb", "Object") == "提出异议"  # a petitioner objecting to the reply
        assert word("Queued") == "排队中"
        assert word_in("time", "Queued") == "入队时间"
        assert word_in("stock", "Item") == "物品"
        assert word_in("rectification", "Item") == "整改事项"
        assert word("resident ID number") == "公民身份号码"
