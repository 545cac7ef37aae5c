"""Checks on the shipped translation catalogues (portal_app/locales/*.json) and on t()."""

from __future__ import annotations

import json
import string
from pathlib import Path

import pytest

from portal_app.core import i18n

LOCALES_DIR = Path(i18n.__file__).resolve().parent.parent / "locales"
CATALOGUE_FILES = sorted(LOCALES_DIR.glob("*.json"))
# Languages that must really be translated, not left as copies of English.
TRANSLATED_LANGUAGES = {"fr", "de", "da", "nl", "es", "pt", "he", "th"}
MIN_TRANSLATED_SHARE = 0.90


def _load(path: Path) -> dict[str, str]:
    return json.loads(path.read_text(encoding="utf-8"))


def _placeholders(text: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(text) if field is not None}


ENGLISH = _load(LOCALES_DIR / "en.json")


@pytest.fixture
def fresh_caches():
    i18n._raw_catalogue.cache_clear()
    i18n.catalogue.cache_clear()
    i18n._shipped.cache_clear()
    yield
    i18n._raw_catalogue.cache_clear()
    i18n.catalogue.cache_clear()
    i18n._shipped.cache_clear()


def test_english_and_required_catalogues_are_shipped():
    stems = {p.stem for p in CATALOGUE_FILES}
    assert "en" in stems
    assert TRANSLATED_LANGUAGES <= stems
    assert set(i18n.shipped_languages()) == stems


@pytest.mark.parametrize("path", CATALOGUE_FILES, ids=lambda p: p.stem)
def test_catalogue_has_same_keys_as_english(path):
    data = _load(path)
    assert isinstance(data, dict)
    missing = sorted(set(ENGLISH) - set(data))
    extra = sorted(set(data) - set(ENGLISH))
    assert not missing, f"{path.name} lacks keys: {missing}"
    assert not extra, f"{path.name} has keys unknown to en.json: {extra}"


@pytest.mark.parametrize("path", CATALOGUE_FILES, ids=lambda p: p.stem)
def test_catalogue_values_are_non_empty_strings(path):
    bad = [k for k, v in _load(path).items() if not isinstance(v, str) or not v.strip()]
    assert not bad, f"{path.name} has empty or non-string values: {bad}"


@pytest.mark.parametrize("path", CATALOGUE_FILES, ids=lambda p: p.stem)
def test_catalogue_placeholders_match_english(path):
    data = _load(path)
    wrong = {
        key: (sorted(_placeholders(value)), sorted(_placeholders(ENGLISH[key])))
        for key, value in data.items()
        if key in ENGLISH and _placeholders(value) != _placeholders(ENGLISH[key])
    }
    assert not wrong, f"{path.name} placeholders differ from English (got, expected): {wrong}"


@pytest.mark.parametrize("path", CATALOGUE_FILES, ids=lambda p: p.stem)
def test_catalogue_values_format_with_english_parameters(path):
    for key, value in _load(path).items():
        params = {name: "x" for name in _placeholders(value)}
        value.format(**params)  # raises on malformed braces


@pytest.mark.parametrize("lang", sorted(TRANSLATED_LANGUAGES))
def test_catalogue_is_actually_translated(lang):
    data = _load(LOCALES_DIR / f"{lang}.json")
    keys = [k for k in ENGLISH if k in data]
    assert keys
    translated = [k for k in keys if data[k] != ENGLISH[k]]
    share = len(translated) / len(keys)
    assert share >= MIN_TRANSLATED_SHARE, (
        f"{lang}.json: only {share:.0%} of values differ from English; "
        f"untranslated: {sorted(set(keys) - set(translated))}"
    )


@pytest.mark.parametrize("lang", sorted(TRANSLATED_LANGUAGES))
def test_email_paragraph_breaks_match_english(lang):
    data = _load(LOCALES_DIR / f"{lang}.json")
    for key, value in data.items():
        assert value.count("\n\n") == ENGLISH[key].count("\n\n"), key


def test_t_falls_back_to_english_for_missing_key(tmp_path, monkeypatch, fresh_caches):
    (tmp_path / "en.json").write_text(
        json.dumps({"greeting": "Hello {name}", "only.english": "Only in English"}),
        encoding="utf-8",
    )
    (tmp_path / "fr.json").write_text(json.dumps({"greeting": "Bonjour {name}"}), encoding="utf-8")
    monkeypatch.setattr(i18n, "LOCALES_DIR", tmp_path)

    assert i18n.t("fr", "greeting", name="Ana") == "Bonjour Ana"
    assert i18n.t("fr", "only.english") == "Only in English"
    # A language with no catalogue at all gets English throughout.
    assert i18n.t("da", "greeting", name="Ana") == "Hello Ana"


def test_t_falls_back_to_english_with_shipped_catalogues(fresh_caches):
    key = "login.title"
    assert i18n.t("xx", key) == ENGLISH[key]
    assert i18n.t("fr", key) != ENGLISH[key]
    assert i18n.t("de", key) != ENGLISH[key]


def test_t_returns_key_when_unknown(fresh_caches):
    assert i18n.t("en", "no.such.key") == "no.such.key"
    assert i18n.t("fr", "no.such.key", name="x") == "no.such.key"


@pytest.mark.parametrize("lang", ["en", *sorted(TRANSLATED_LANGUAGES)])
def test_t_formats_parameters(lang, fresh_caches):
    text = i18n.t(lang, "email.login_code.subject", business="Acme", code="123456")
    assert "Acme" in text and "123456" in text
    assert "{" not in text and "}" not in text
    assert i18n.t(lang, "home.greeting", name="Ana").count("Ana") == 1


def test_t_keeps_text_when_parameters_are_missing(fresh_caches):
    assert i18n.t("en", "home.greeting", other="x") == ENGLISH["home.greeting"]
