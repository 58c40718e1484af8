"""Settings of `scs-kit check`: command line > environment variable > config file > default."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from faulty import faulty_server
from scs_kit.check import config
from scs_kit.cli import build_parser, main
from scs_kit.errors import KitError

QUICK = ["--profile", "quick", "--only", "ENVELOPE", "--resources", "ContainmentLine", "--progress", "none"]


def _check_parser():
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    return parser, sub.choices["check"]


def _resolve(argv: list[str], cwd: Path, environ: dict[str, str] | None = None):
    parser, check = _check_parser()
    args = parser.parse_args(["check", *argv])
    return config.resolve(args, check, cwd=cwd, environ=environ or {})


def test_defaults_without_any_setting(tmp_path):
    args = _resolve([], tmp_path)
    assert (args.base_url, args.profile, args.strict, args.timeout, args.report_dir) == (None, "default", False, 10.0, Path("reports"))
    assert args.report_formats is None and args.baseline is None and args.baseline_update is False


def test_command_line_beats_environment_beats_config_file(tmp_path):
    (tmp_path / "scs-kit.toml").write_text('profile = "thorough"\nmode = "live"\nseed = 3\ntimeout = 4\n', encoding="utf-8")
    args = _resolve(["--profile", "quick"], tmp_path, {"SCS_PROFILE": "default", "SCS_MODE": "read-only"})
    assert (args.profile, args.mode, args.seed, args.timeout) == ("quick", "read-only", 3, 4.0)


def test_every_check_option_has_an_environment_variable_and_a_config_key(tmp_path):
    _, check = _check_parser()
    names = {config.option_name(a): config.env_name(a) for a in config._options(check)}
    assert names["base-url"] == "SCS_BASE_URL" and names["profile"] == "SCS_PROFILE"
    assert names["spec"] == "SCS_SPEC" and names["baseline"] == "SCS_BASELINE"
    help_text = check.format_help()
    for env in names.values():
        assert env in help_text
    assert "exit codes:" in help_text and "example:" in help_text and "scs-kit.toml" in help_text


def test_flags_lists_and_paths_from_the_config_file(tmp_path):
    (tmp_path / "scs-kit.toml").write_text(
        'strict = true\nonly = ["KEYS", "QUERY"]\nreport = "junit,md"\nreport-dir = "out"\nbaseline = "b.json"\n',
        encoding="utf-8")
    args = _resolve([], tmp_path)
    assert args.strict is True and args.only == ("KEYS", "QUERY") and args.report_formats == ("junit", "md")
    assert args.report_dir == Path("out") and args.baseline == Path("b.json")


def test_flags_from_the_environment(tmp_path):
    assert _resolve([], tmp_path, {"SCS_STRICT": "yes", "SCS_NO_REPORTS": "0"}).strict is True
    assert _resolve([], tmp_path, {"SCS_STRICT": "off"}).strict is False
    with pytest.raises(KitError, match="SCS_STRICT: 'maybe' is not a boolean"):
        _resolve([], tmp_path, {"SCS_STRICT": "maybe"})


def test_pyproject_table_when_there_is_no_scs_kit_toml(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n[tool.scs-kit]\nprofile = "quick"\n', encoding="utf-8")
    assert _resolve([], tmp_path).profile == "quick"
    (tmp_path / "scs-kit.toml").write_text('profile = "thorough"\n', encoding="utf-8")
    assert _resolve([], tmp_path).profile == "thorough"


@pytest.mark.parametrize("text, needle", [
    ('profil = "quick"\n', "unknown setting 'profil'"),
    ('profile = "fast"\n', "profile: invalid choice: 'fast'"),
    ('timeout = "soon"\n', "timeout: invalid float value"),
    ('strict = "yes"\n', "strict: expected true or false"),
    ("profile = \n", "not valid TOML"),
])
def test_a_bad_config_file_is_one_line_naming_the_file(tmp_path, text, needle):
    (tmp_path / "scs-kit.toml").write_text(text, encoding="utf-8")
    with pytest.raises(KitError, match="scs-kit.toml") as info:
        _resolve([], tmp_path)
    assert needle in str(info.value) and "\n" not in str(info.value)


def test_a_bad_environment_value_names_the_variable(tmp_path):
    with pytest.raises(KitError, match="SCS_TIMEOUT: invalid float value"):
        _resolve([], tmp_path, {"SCS_TIMEOUT": "x"})


def _target(report_dir: Path) -> tuple[str, str]:
    results = json.loads((report_dir / "results.json").read_text(encoding="utf-8"))
    return results["target"], results["base_url"]


def test_scs_base_url_alone_points_check_at_the_service(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with faulty_server() as server:
        monkeypatch.setenv("SCS_BASE_URL", server.base_url)
        assert main(["check", *QUICK, "--report", "json"]) == 0
    assert _target(tmp_path / "reports") == ("external", server.base_url)


def test_base_url_in_scs_kit_toml_alone_points_check_at_the_service(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SCS_BASE_URL", raising=False)
    with faulty_server() as server:
        (tmp_path / "scs-kit.toml").write_text(f'base-url = "{server.base_url}"\nreport = ["json"]\n', encoding="utf-8")
        assert main(["check", *QUICK]) == 0
    assert _target(tmp_path / "reports") == ("external", server.base_url)


def test_check_spec_is_the_document_the_suite_loads(tmp_path, monkeypatch):
    """--spec reaches every reader of the document: a copy with one resource less checks 18 resources."""
    import yaml
    from scs_kit import spec as specmod

    document = specmod.read_document()
    gone = "ConnectedClient"
    document["tags"] = [t for t in document["tags"] if t.get("name") != gone]
    document["paths"] = {p: v for p, v in document["paths"].items() if f"/{gone}" not in p}
    path = tmp_path / "smaller.yaml"
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    code = main(["check", "--profile", "quick", "--only", "ENVELOPE", "--progress", "none", "--spec", str(path),
                 "--report", "json"])
    results = json.loads((tmp_path / "reports" / "results.json").read_text(encoding="utf-8"))
    assert code == 0, results
    assert gone not in results["resources"] and len(results["resources"]) == 18
    assert results["spec_path"] == str(path) and not [c for c in results["checks"] if c["resource"] == gone]
    assert specmod.default_spec_path() != path  # the process is left as it was


def test_scs_spec_reaches_the_suite_under_plain_pytest(tmp_path):
    import subprocess
    import sys

    import yaml
    from scs_kit import spec as specmod

    document = specmod.read_document()
    gone = "ConnectedClient"
    document["tags"] = [t for t in document["tags"] if t.get("name") != gone]
    document["paths"] = {p: v for p, v in document["paths"].items() if f"/{gone}" not in p}
    path = tmp_path / "smaller.yaml"
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    suite = Path(__file__).resolve().parents[1] / "contract_tests"
    proc = subprocess.run([sys.executable, "-m", "pytest", str(suite), "--collect-only", "-q", "-p", "no:cacheprovider",
                           "--scs-spec", str(path), "--scs-only", "ENVELOPE"],
                          capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "[ContainmentLine]" in proc.stdout and f"[{gone}]" not in proc.stdout


def test_the_suite_options_coexist_with_pytest_base_url(tmp_path):
    """pytest-base-url (pytest-playwright, pytest-selenium) owns --base-url; the kit's options are all --scs-…"""
    import subprocess
    import sys

    pytest.importorskip("pytest_base_url", reason="pytest-base-url is part of the test extras ([test])")
    suite = Path(__file__).resolve().parents[1] / "contract_tests"
    proc = subprocess.run([sys.executable, "-m", "pytest", str(suite), "--help", "-p", "no:cacheprovider"],
                          capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "--base-url=url" in proc.stdout  # pytest-base-url's
    for name in ("base-url", "profile", "seed", "mode", "only", "resources", "timeout", "spec"):
        assert f"--scs-{name}" in proc.stdout and f"scs_{name.replace('-', '_')} " in proc.stdout, name
