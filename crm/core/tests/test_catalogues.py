"""The Russian and English catalogues are complete: every string of the code is in
them, every Russian entry is translated, and the compiled files match the sources."""

import os
import re
import shutil
from pathlib import Path

import polib
import pytest
from django.core.management import call_command

CRM = Path(__file__).resolve().parents[2]
LOCALE = CRM / "locale"
PLACEHOLDER = re.compile(r"%\(\w+\)[sdif]|%[sd]|\{\{ *\w+ *\}\}")


def catalogue(language: str) -> polib.POFile:
    return polib.pofile(str(LOCALE / language / "LC_MESSAGES" / "django.po"))


def test_every_russian_entry_is_translated_and_keeps_its_placeholders():
    untranslated, broken = [], []
    for entry in catalogue("ru"):
        if not entry.translated() or "fuzzy" in entry.flags:
            untranslated.append(entry.msgid)
            continue
        wanted = sorted(PLACEHOLDER.findall(entry.msgid))
        forms = entry.msgstr_plural.values() if entry.msgid_plural else [entry.msgstr]
        for form in forms:
            if sorted(set(PLACEHOLDER.findall(form))) != sorted(set(wanted)):
                broken.append((entry.msgid, form))
    assert untranslated == []
    assert broken == []


@pytest.mark.parametrize("language", ["ru", "en"])
def test_compiled_catalogues_match_their_sources(language):
    source = catalogue(language)
    compiled = polib.mofile(str(LOCALE / language / "LC_MESSAGES" / "django.mo"))
    source_ids = {e.msgid for e in source if e.translated()}
    compiled_ids = {e.msgid for e in compiled}
    assert source_ids - compiled_ids == set(), "run `make messages`"


def test_every_string_of_the_code_is_in_the_catalogues(tmp_path, settings):
    if shutil.which("xgettext") is None:
        if os.environ.get("CI"):
            pytest.fail("gettext is not installed: the catalogue check cannot run")
        pytest.skip("gettext is not installed (apt-get install gettext)")
    copy = tmp_path / "crm"
    shutil.copytree(CRM, copy, ignore=shutil.ignore_patterns("__pycache__", "static"))
    settings.LOCALE_PATHS = [str(copy / "locale")]
    cwd = os.getcwd()
    os.chdir(copy)
    try:
        call_command(
            "makemessages",
            locale=["ru"],
            no_obsolete=True,
            ignore_patterns=["demo/*"],
            verbosity=0,
        )
    finally:
        os.chdir(cwd)
    fresh = polib.pofile(str(copy / "locale" / "ru" / "LC_MESSAGES" / "django.po"))
    missing = sorted({e.msgid for e in fresh} - {e.msgid for e in catalogue("ru")})
    assert missing == [], "new strings: run `make messages` and translate them"
