"""Message catalogues: complete in both languages, placeholders intact, and the language chosen as documented.

The completeness test extracts the messages with Babel exactly as `pybabel extract -F babel.cfg`
does and fails when a catalogue lacks one (or, for Japanese, leaves it untranslated or fuzzy).
"""

from __future__ import annotations

import io
import os
import re
import string
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po
from scs_kit import i18n

ROOT = Path(__file__).resolve().parents[1]
KEYWORDS = {**DEFAULT_KEYWORDS, "lazy": None}
HIRAGANA = re.compile(r"[\u3041-\u309f]")


def _extracted() -> dict[str, str]:
    """msgid → the file that uses it, for every message the code and templates use."""
    with open(ROOT / "babel.cfg", encoding="utf-8") as fp:
        method_map, options_map = parse_mapping_cfg(fp)
    found: dict[str, str] = {}
    for filename, _lineno, message, _comments, _context in extract_from_dir(
            str(ROOT), method_map, options_map, keywords=KEYWORDS):
        for msgid in message if isinstance(message, tuple) else (message,):
            if msgid:
                found.setdefault(msgid, filename)
    return found


@pytest.fixture(scope="module")
def extracted() -> dict[str, str]:
    return _extracted()


def _catalogue(lang: str):
    with open(i18n.LOCALE_DIR / lang / "LC_MESSAGES" / f"{i18n.DOMAIN}.po", "rb") as fp:
        return read_po(fp, locale=lang)


def _placeholders(text: str) -> set[str]:
    try:  # str.format fields; braces around prose (an argparse help's "{name: [records]}") are text
        fields = [name for _, name, _, _ in string.Formatter().parse(text) if name] if "{" in text else []
    except ValueError:
        fields = []
    named = {name for name in fields if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.\[\]]*", name)}
    return named | set(re.findall(r"%\((\w+)\)[sdr]", text)) | ({"%s"} if "%s" in text else set())


def test_extraction_finds_the_messages(extracted):
    assert len(extracted) > 100
    assert "usage: " in extracted  # argparse's own texts
    assert "Conformance report" in extracted  # the HTML template


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_every_message_the_code_uses_is_in_the_catalogue(extracted, lang):
    catalogue = _catalogue(lang)
    missing = sorted(f"{where}: {msgid!r}" for msgid, where in extracted.items() if msgid not in catalogue)
    assert not missing, (f"{len(missing)} message(s) missing from locale/{lang}; run pybabel extract and update "
                         "(README, Languages):\n" + "\n".join(missing))


def test_japanese_translations_are_complete_and_keep_their_placeholders(extracted):
    catalogue = _catalogue("ja")
    problems = []
    for msgid in extracted:
        message = catalogue.get(msgid)
        if message is None:
            continue  # reported by the test above
        text = message.string if isinstance(message.string, str) else message.string[0]
        if not text or message.fuzzy:
            problems.append(f"untranslated or fuzzy: {msgid!r}")
        elif _placeholders(text) != _placeholders(msgid):
            problems.append(f"placeholders differ: {msgid!r} -> {text!r}")
    assert not problems, "\n".join(problems)


def test_catalogues_compile():
    for lang in ("ja", "en"):
        data = i18n.compile_po(i18n.LOCALE_DIR / lang / "LC_MESSAGES" / f"{i18n.DOMAIN}.po")
        import gettext

        gettext.GNUTranslations(io.BytesIO(data))


def test_switching_languages():
    try:
        i18n.use("ja")
        assert i18n.current() == "ja"
        assert i18n._("Conformance report") == "適合性レポート"
        assert str(i18n.lazy("Conformance report")) == "適合性レポート"
        assert f"{i18n.lazy('Conformance report')}" == "適合性レポート"
        i18n.use("en")
        assert i18n._("Conformance report") == "Conformance report"
        with pytest.raises(ValueError):
            i18n.use("fr")
    finally:
        i18n.use("en")


def test_a_read_only_install_compiles_in_memory(tmp_path, monkeypatch):
    folder = tmp_path / "ja" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    (folder / "scs_kit.po").write_bytes((i18n.LOCALE_DIR / "ja" / "LC_MESSAGES" / "scs_kit.po").read_bytes())
    monkeypatch.setattr(i18n, "LOCALE_DIR", tmp_path)
    monkeypatch.setattr(i18n, "_store", lambda mo, data: None)  # as if the directory were not writable
    translations = i18n._load("ja")
    assert translations.gettext("Conformance report") == "適合性レポート"
    assert not (folder / "scs_kit.mo").exists()


def test_a_stale_compiled_catalogue_is_rebuilt(tmp_path, monkeypatch):
    folder = tmp_path / "ja" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    (folder / "scs_kit.mo").write_bytes(b"not a catalogue")
    (folder / "scs_kit.po").write_bytes((i18n.LOCALE_DIR / "ja" / "LC_MESSAGES" / "scs_kit.po").read_bytes())
    os.utime(folder / "scs_kit.mo", (1, 1))  # older than the .po
    monkeypatch.setattr(i18n, "LOCALE_DIR", tmp_path)
    assert i18n._load("ja").gettext("Conformance report") == "適合性レポート"
    assert (folder / "scs_kit.mo").read_bytes() != b"not a catalogue"


# --- which language ------------------------------------------------------------------------------


@pytest.mark.parametrize("value, lang", [
    ("ja_JP.UTF-8", "ja"), ("ja", "ja"), ("ja-JP", "ja"), ("Japanese_Japan.932", "ja"), ("en_US.UTF-8", "en"),
    ("C", "en"), ("POSIX", "en"), ("C.UTF-8", "en"), ("de_DE.UTF-8", None), ("", None), (None, None),
])
def test_normalize(value, lang):
    assert i18n.normalize(value) == lang


@pytest.mark.parametrize("environ, lang", [
    ({"LANG": "ja_JP.UTF-8"}, "ja"),
    ({"LC_ALL": "en_US.UTF-8", "LANG": "ja_JP.UTF-8"}, "en"),
    ({"LC_MESSAGES": "ja_JP.UTF-8", "LANG": "en_US.UTF-8"}, "ja"),
    ({"LANG": "de_DE.UTF-8"}, "en"),  # a language without a catalogue: English
    ({}, "en"),
])
def test_the_locale_decides_by_default(environ, lang, monkeypatch):
    monkeypatch.setattr(os, "name", "posix")
    assert i18n.choose([], environ=environ) == lang


def test_precedence_option_environment_config_locale():
    env = {"SCS_LANG": "en", "LANG": "ja_JP.UTF-8"}
    assert i18n.choose(["check", "--lang", "ja"], environ=env) == "ja"
    assert i18n.choose(["--lang=ja", "check"], environ=env) == "ja"
    assert i18n.choose(["check", "--lan", "ja"], environ=env) == "ja"  # argparse accepts the prefix too
    assert i18n.choose(["check"], environ=env) == "en"
    assert i18n.choose(["check"], environ={"LANG": "en_US.UTF-8"}, config={"lang": "ja"}) == "ja"
    assert i18n.choose(["check"], environ={"SCS_LANG": "en"}, config={"lang": "ja"}) == "en"
    assert i18n.choose(["check", "--", "--lang", "ja"], environ={"LANG": "C"}) == "en"
    assert i18n.choose(["check", "--lang", "fr"], environ={"LANG": "C"}) == "en"  # argparse reports it


def test_windows_ui_language_is_asked_only_on_windows(monkeypatch):
    calls = []
    monkeypatch.setattr(i18n, "_windows_ui_language", lambda: calls.append(1) or "ja")
    monkeypatch.setattr(os, "name", "posix")
    assert i18n.locale_language({}) is None and not calls
    monkeypatch.setattr(os, "name", "nt")
    assert i18n.locale_language({}) == "ja"
    assert i18n.locale_language({"LANG": "en_US"}) == "en"  # an explicit locale still wins


def test_windows_ui_language_without_the_api_falls_back():
    if os.name != "nt":
        assert i18n._windows_ui_language() is None  # no ctypes.windll here: guarded, English


# --- the CLI -------------------------------------------------------------------------------------


def _run(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if k not in ("SCS_LANG", "LANG", "LC_ALL", "LC_MESSAGES", "LANGUAGE")}
    return subprocess.run([sys.executable, "-m", "scs_kit", *args], capture_output=True, text=True, timeout=60,
                          env={**base, **(env or {})}, cwd=cwd)


@pytest.mark.parametrize("args", [["--lang", "ja", "--help"], ["check", "--lang", "ja", "--help"],
                                  ["lint", "--help", "--lang", "ja"], ["proxy", "--lang", "ja", "--help"]])
def test_help_in_japanese(args):
    proc = _run(*args)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("使い方: scs-kit"), proc.stdout
    assert "このヘルプを表示して終了する" in proc.stdout


def test_english_is_the_fallback_and_unchanged():
    proc = _run("--help")
    assert proc.stdout.startswith("usage: scs-kit") and "show this help message and exit" in proc.stdout


@pytest.mark.parametrize("env, cwd_config, lang", [
    ({"LANG": "ja_JP.UTF-8"}, None, "ja"),
    ({"SCS_LANG": "ja", "LANG": "en_US.UTF-8"}, None, "ja"),
    ({"LANG": "en_US.UTF-8"}, 'lang = "ja"\n', "ja"),
    ({"SCS_LANG": "en", "LANG": "ja_JP.UTF-8"}, None, "en"),
    ({"LC_ALL": "C", "LANG": "ja_JP.UTF-8"}, None, "en"),
])
def test_the_default_language(tmp_path, env, cwd_config, lang):
    if cwd_config:
        (tmp_path / "scs-kit.toml").write_text(cwd_config, encoding="utf-8")
    proc = _run("report", env=env, cwd=tmp_path)
    assert proc.returncode == 2
    expected = "scs-kit report: エラー: " if lang == "ja" else "scs-kit report: error: "
    assert proc.stderr.startswith(expected), proc.stderr


def test_an_invalid_language_is_a_usage_error():
    proc = _run("lint", "--lang", "fr")
    assert proc.returncode == 2 and "--lang" in proc.stderr and "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


def test_an_unsupported_scs_lang_is_a_usage_error():
    proc = _run("lint", env={"SCS_LANG": "fr"})
    assert proc.returncode == 2 and proc.stderr.strip().splitlines() == [
        "scs-kit: error: SCS_LANG: 'fr' is not a supported language (choose from en, ja)"], proc.stderr


def test_check_reads_lang_from_its_settings_layer(tmp_path):
    """SCS_LANG and `lang` are check settings like any other: a bad value is an error, not ignored."""
    proc = _run("check", "--only", "ENVELOPE", "--no-reports", env={"SCS_LANG": "fr"}, cwd=tmp_path)
    assert proc.returncode == 2 and "SCS_LANG" in proc.stderr and "Traceback" not in proc.stderr, proc.stderr


def test_lint_findings_in_japanese(tmp_path):
    path = tmp_path / "min.json"
    path.write_text('{"openapi": "3.0.0"}')
    proc = _run("lint", str(path), "--lang", "ja")
    assert proc.returncode == 1
    assert "OpenAPI 3.1.x が必要です" in proc.stdout and "[oas-structure]" in proc.stdout
    assert proc.stderr.strip() == "指摘 1 件"
