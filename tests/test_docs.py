"""`scs-kit docs`: the generated site's content, links, offline-ness, results page and CLI."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from scs_kit import spec as spec_module
from scs_kit.check.results import CheckResult, Exchange, RunResults
from scs_kit.cli import main
from scs_kit.docs.build import MARKER, build_site
from scs_kit.errors import KitError

CDN_HOSTS = ("googleapis", "gstatic", "jsdelivr", "unpkg", "cdnjs", "bootstrapcdn", "fontawesome")


def sample_results() -> RunResults:
    checks = [
        CheckResult(id="ENVELOPE-WRITE", family="ENVELOPE", status="pass", title="writes answer the envelope", resource="ContainmentLine"),
        CheckResult(
            id="KEYS-POST-MAX-PLUS-ONE", family="KEYS", status="fail", title="POST registers under max + 1",
            resource="ContainmentLine", rule="post-key-ignored", source="※POSTする際の…",
            message="expected key 3, got 1 <script>alert(1)</script>",
            evidence=[Exchange(method="POST", url="http://127.0.0.1:1/x/ContainmentLine", request_body='{"回線No": "0"}', status=200, response_body='{"result": "True"}', curl="curl -X POST ...")],
        ),
        CheckResult(id="ROBUSTNESS-405", family="ROBUSTNESS", status="warn", title="refusal style", resource=None, level="SHOULD", message="answered 200 False"),
        CheckResult(id="KEYS-POST-MAX-PLUS-ONE", family="KEYS", status="skip", title="POST registers under max + 1", resource="ConnectedClient", message="no POST on this resource"),
    ]
    return RunResults(
        kit_version="0.1.0", base_url="http://127.0.0.1:1/CTI_SmartConnectService/RestService", target="reference",
        profile="quick", mode="full", seed=1, strict=False, spec_path="openapi/scs-restful-api.yaml", spec_sha256="ab" * 32,
        started_at="2026-11-26T23:00:00Z", outcome="fail", exit_code=1, resources=["ContainmentLine", "ConnectedClient"], checks=checks,
    )


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("docs")
    results = sample_results().save(tmp / "results.json")
    return build_site(tmp / "site", results=results)


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.refs: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.add(attrs["id"])
        for name in ("href", "src"):
            if attrs.get(name) is not None and tag in ("a", "link", "script", "img"):
                self.refs.append(attrs[name])


def _parse(path: Path) -> _Links:
    parser = _Links()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def test_one_page_per_resource_plus_landing_results_policy_and_openapi(site):
    spec = spec_module.load()
    assert (site / "index.html").is_file() and (site / "results.html").is_file() and (site / "policy.html").is_file()
    for resource in spec.resources:
        assert (site / f"{resource.name}.html").is_file(), resource.name
    assert (site / "scs-restful-api.yaml").read_bytes() == spec_module.default_spec_path().read_bytes()
    assert len(list(site.glob("*.html"))) == len(spec.resources) + 3


def test_every_link_is_relative_and_resolves(site):
    parsed = {p.name: _parse(p) for p in site.glob("*.html")}
    for name, page in parsed.items():
        for ref in page.refs:
            if ref.startswith("data:"):
                continue
            parts = urlsplit(ref)
            assert not parts.scheme and not parts.netloc and not ref.startswith("/"), f"{name}: non-relative link {ref}"
            target = unquote(parts.path) or name
            assert (site / target).is_file(), f"{name}: broken link {ref}"
            if parts.fragment and target.endswith(".html"):
                assert parts.fragment in parsed[target].ids, f"{name}: broken anchor {ref}"


def test_no_external_assets(site):
    for path in site.rglob("*"):
        if path.suffix not in (".html", ".css", ".js"):
            continue
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"""(src|href)=["']?https?://""", text), path
        assert not re.search(r"url\(\s*['\"]?https?://", text), path
        assert not re.search(r"@import", text), path
        for host in CDN_HOSTS:
            assert host not in text, (path, host)


def test_landing_page_has_base_url_envelope_rules_and_method_matrix(site):
    html = (site / "index.html").read_text(encoding="utf-8")
    spec = spec_module.load()
    assert "http://{host}:{port}/CTI_SmartConnectService/RestService" in html
    assert "正常終了" in html
    for rule in spec.rules.values():
        assert f'id="rule-{rule.id}"' in html
    assert "※GETの戻り値は [{ データ },{ データ }, ・・・] の形です。" in html
    matrix = html.split('<table class="matrix">')[1].split("</table>")[0]
    row = re.search(r'<a href="ConnectedClient.html">.*?</tr>', matrix, re.S).group(0)
    assert row.count('class="yes"') == 1 and row.count('class="no"') == 3  # GET only
    assert html.count('class="yes"') == sum(len(r.methods) for r in spec.resources)


def test_resource_page_fields_rules_examples_and_samples(site):
    html = (site / "ContainmentLine.html").read_text(encoding="utf-8")
    for field in ("回線No", "着信TEL", "代表TEL", "種別", "代理内線番号"):
        assert f"<code>{field}</code>" in html
    fields = html.split('<table class="fields">')[1].split("</table>")[0]
    assert fields.count("ev-documented") == 5 and "ev-inferred" not in fields  # all five are the page's own
    assert "※PUTする際のリクエストデータのキー項目" in html  # the put-uri-key rule's vendor sentence
    assert 'data-tab="bash"' in html and 'data-tab="javascript"' in html and 'data-tab="python"' in html
    assert "fetch" in html and "requests" in html and "curl" in html
    assert "http://localhost:55963/CTI_SmartConnectService/RestService/ContainmentLine" in html
    assert 'data-path="/ContainmentLine/1"' in html  # runnable GET samples
    assert "0731235678" in html  # the vendor's example
    sip = (site / "SIP-ServerConnection.html").read_text(encoding="utf-8")
    assert "tag secret" in sip and "ev-inferred" in sip and 'data-path="/SIP-ServerConnection/2"' in sip
    assert 'class="run" data-path' not in sip.split('id="op-post-collection"')[1].split("</section>")[0]  # no Run on writes
    assert "DELETE" not in (site / "ConnectedClient.html").read_text(encoding="utf-8").split('id="requests"')[1]


def test_query_builder_only_where_the_document_has_a_query_route(site):
    html = (site / "ReceivedCall-Record.html").read_text(encoding="utf-8")
    assert 'data-template="/ReceivedCall-Record/{TOP}/{DESCENDING}/{K_ID}/{FROM}"' in html
    for name in ("TOP", "DESCENDING", "K_ID", "FROM"):
        assert f'name="{name}"' in html
    assert "query-builder" not in (site / "ContainmentLine.html").read_text(encoding="utf-8")


def test_search_index_covers_japanese_sections(site):
    index = (site / "assets" / "search-index.js").read_text(encoding="utf-8")
    assert index.startswith("window.SCS_SEARCH = ")
    assert "収容回線" in index and "ContainmentLine.html#fields" in index


def test_results_page_matrix_links_to_failures_and_escapes(site):
    html = (site / "results.html").read_text(encoding="utf-8")
    ids = _parse(site / "results.html").ids
    cells = re.findall(r'<td class="c st-(\w+)"><a href="#([^"]+)">', html)
    assert ("fail", "check-2") in cells and ("warn", "check-3") in cells
    assert all(anchor in ids for _, anchor in cells) and len(cells) == 3  # ContainmentLine fail + warn on both rows
    assert '<td class="c st-skip">skip</td>' in html and "no POST on this resource" in html  # skips listed, not findings
    assert 'id="check-4"' not in html
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html
    assert "KEYS-POST-MAX-PLUS-ONE" in html and "results.html" in (site / "index.html").read_text(encoding="utf-8")


def test_no_results_page_without_results(tmp_path):
    out = build_site(tmp_path / "plain")
    assert not (out / "results.html").exists()
    assert "results.html" not in (out / "index.html").read_text(encoding="utf-8")


def test_rebuild_replaces_own_site_but_never_a_foreign_directory(tmp_path):
    out = build_site(tmp_path / "site")
    (out / "stale.html").write_text("old")
    build_site(out)
    assert not (out / "stale.html").exists() and (out / MARKER).is_file()
    foreign = tmp_path / "mine"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("keep me")
    with pytest.raises(KitError, match="refusing to overwrite"):
        build_site(foreign)
    assert (foreign / "notes.txt").read_text() == "keep me"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temp dirs left


def test_cli_prints_build_time(tmp_path, capsys):
    assert main(["docs", "--out", str(tmp_path / "s")]) == 0
    assert re.search(r"built .* in \d+\.\d\d s", capsys.readouterr().out)


@pytest.mark.parametrize(
    "args, content, message",
    [
        (["--results"], "{not json", "not a readable results file"),
        (["--results"], '{"format_version": 99}', "not a scs-kit results file"),
        (["--spec"], "openapi: [unclosed", "not parsable as YAML"),
    ],
)
def test_cli_bad_input_is_one_line_exit_2(tmp_path, capsys, args, content, message):
    bad = tmp_path / "bad.txt"
    bad.write_text(content, encoding="utf-8")
    assert main(["docs", "--out", str(tmp_path / "s"), *args, str(bad)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("scs-kit docs: error: ") and message in err and err.count("\n") == 1
    assert not (tmp_path / "s").exists()


def test_cli_missing_results_file(tmp_path, capsys):
    assert main(["docs", "--out", str(tmp_path / "s"), "--results", str(tmp_path / "nope.json")]) == 2
    assert "no such file (expected a results file)" in capsys.readouterr().err
