"""The services' shared reading of Babel catalogues and of the language asked for."""
from __future__ import annotations

from flask import Flask

from services.common import i18n

PO = '''msgid ""
msgstr ""
"Content-Type: text/plain; charset=UTF-8\\n"
"Plural-Forms: nplurals=2; plural=(n != 1);\\n"

msgid "Next steps"
msgstr "Próximos pasos"

#, fuzzy
msgid "Room"
msgstr "Aula"

msgid "one goal"
msgid_plural "%(n)s goals"
msgstr[0] "una meta"
msgstr[1] "%(n)s metas"
'''


def catalogues(tmp_path, lang="es"):
    folder = tmp_path / "translations"
    (folder / lang / "LC_MESSAGES").mkdir(parents=True)
    (folder / lang / "LC_MESSAGES" / "messages.po").write_text(PO, encoding="utf-8")
    return folder


def test_pick_folds_a_language_tag_to_one_the_services_speak():
    assert [i18n.pick(x) for x in ("es", "es-MX", "ES_us", "en-GB", "vi", "", None)] == \
        ["es", "es", "es", "en", "en", "en", "en"]
    assert i18n.pick("vi", ("en", "vi")) == "vi"


def test_translations_are_compiled_from_the_po_without_its_fuzzy_entries(tmp_path):
    folder = catalogues(tmp_path)
    es = i18n.translations(folder, "es")
    assert es.gettext("Next steps") == "Próximos pasos"
    assert es.gettext("Room") == "Room"  # fuzzy: not trusted, so English
    assert es.ngettext("one goal", "%(n)s goals", 3) == "%(n)s metas"
    assert i18n.translations(folder, "es") is es  # built once per folder and language


def test_english_and_a_language_without_a_catalogue_say_the_msgids(tmp_path):
    folder = catalogues(tmp_path)
    assert i18n.translations(folder, "en").gettext("Next steps") == "Next steps"
    assert i18n.translations(folder, "fr").gettext("Next steps") == "Next steps"
    assert i18n.translations(tmp_path / "elsewhere", "es").gettext("Next steps") == "Next steps"


def test_request_lang_reads_the_query_then_accept_language_else_english():
    assert i18n.request_lang() == "en"  # no request
    app = Flask(__name__)
    with app.test_request_context("/?lang=es-MX"):
        assert i18n.request_lang() == "es"
    with app.test_request_context("/", headers={"Accept-Language": "fr, es;q=0.8"}):
        assert i18n.request_lang() == "es"
    with app.test_request_context("/", headers={"Accept-Language": "fr"}):
        assert i18n.request_lang() == "en"
