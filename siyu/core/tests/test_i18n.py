"""zh-hans is the default language and must be complete; English is the msgid itself."""

from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

PO = Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


def test_every_message_has_a_chinese_translation():
    entries = PO.read_text(encoding="utf-8").split("\n\n")[1:]
    untranslated = [e for e in entries if 'msgstr ""' in e and 'msgstr ""\n"' not in e and "#~" not in e]
    assert untranslated == []
    assert not any("#, fuzzy" in e for e in entries)


def test_compiled_catalog_matches_the_po_file():
    import gettext
    import re

    with PO.with_suffix(".mo").open("rb") as f:
        catalog = gettext.GNUTranslations(f)
    entries = re.findall(
        r'^(?:msgctxt "(.+)"\n)?msgid "(.+)"\nmsgstr "(.+)"$', PO.read_text(encoding="utf-8"), flags=re.M
    )
    assert len(entries) > 100

    def unescape(text: str) -> str:  # the .po's C escapes of quotes and backslashes
        return re.sub(r'\\(["\\])', r"\1", text)

    stale = [
        (mid, text)
        for context, mid, text in ((unescape(c), unescape(m), unescape(t)) for c, m, t in entries)
        if (catalog.pgettext(context, mid) if context else catalog.gettext(mid)) != text
    ]
    assert stale == [], "run `make messages`"


@pytest.mark.parametrize(("lang", "text"), [("zh-hans", "库存不足。"), ("en", "Not enough stock.")])
def test_error_messages_follow_the_language(lang, text):
    from siyu.inventory.errors import OutOfStock

    with translation.override(lang):
        assert OutOfStock().as_dict()["message"] == text


def test_default_language_is_chinese():
    assert settings.LANGUAGE_CODE == "zh-hans"
