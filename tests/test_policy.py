"""The verdict policy has one source, the check catalogue: the README's table and the docs site's page
are generated from it, and every check states its level, its basis and what about it only warns."""

from __future__ import annotations

from pathlib import Path

from scs_kit import spec as spec_mod
from scs_kit.check import policy
from scs_kit.check.catalog import CHECKS, PAGE

ROOT = Path(__file__).resolve().parents[1]
SPEC = spec_mod.load()


def test_readme_table_is_generated_from_the_catalogue():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert policy.embed(readme, SPEC) == readme, "README.md's policy table is stale: python -m scs_kit.check.policy --write README.md"


def test_every_check_states_level_basis_and_what_warns():
    rows = {r.id: r for r in policy.rows(SPEC)}
    assert set(rows) == {c.id for c in CHECKS}
    for check in CHECKS:
        row = rows[check.id]
        assert check.level in ("MUST", "SHOULD")
        assert row.basis.strip(), f"{check.id}: no basis"
        if check.basis == PAGE:
            assert check.rule in SPEC.rules, f"{check.id}: rule {check.rule} is not in x-scs-rules"
            assert row.basis == SPEC.rules[check.rule].source
        if check.level == "SHOULD":
            assert not row.fails and row.warns, f"{check.id}: a SHOULD check only warns"
        else:
            assert row.fails


def test_docs_site_has_the_policy_page(tmp_path):
    from scs_kit.docs.build import build_site

    out = build_site(tmp_path / "site")
    page = (out / "policy.html").read_text(encoding="utf-8")
    for check in CHECKS:
        assert f'id="{check.id}"' in page
    assert SPEC.rules["get-array"].source.split("。")[0] in page
    assert 'href="policy.html"' in (out / "index.html").read_text(encoding="utf-8")
