"""Every translation of our addons is complete and keeps its placeholders.

Plain pytest (``-p no:odoo``), run by ``make test``; needs polib (installed
with Odoo). What a failure means and how to fix it: CONTRIBUTING.md,
"Translations".
"""

import sys
from pathlib import Path

import polib
import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))
import i18n  # noqa: E402

LANGS = ("zh_CN",)


@pytest.mark.parametrize("addon", i18n.ADDONS)
def test_template_exists(addon):
    pot = polib.pofile(str(i18n.pot_path(addon)))
    assert len(pot) > 50, f"{addon}: the .pot holds only {len(pot)} entries"
    assert all(not entry.msgstr for entry in pot), f"{addon}: a .pot has no msgstr"


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("addon", i18n.ADDONS)
def test_po_covers_the_template(addon, lang):
    pot = {e.msgid for e in polib.pofile(str(i18n.pot_path(addon)))}
    po = {
        e.msgid for e in polib.pofile(str(i18n.po_path(addon, lang))) if not e.obsolete
    }
    missing = sorted(pot - po)
    assert not missing, (
        f"{addon} {lang}.po lacks {len(missing)} entries of the .pot, e.g. "
        f"{missing[:3]}: run `make po-merge`, then translate them"
    )
    stale = sorted(po - pot)
    assert not stale, (
        f"{addon} {lang}.po has {len(stale)} entries no longer in the .pot, e.g. "
        f"{stale[:3]}: run `make po-merge`"
    )


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("addon", i18n.ADDONS)
def test_every_entry_translated_with_its_placeholders(addon, lang):
    problems = i18n.missing_entries(addon, lang)
    report = "\n".join(f"  [{reason}] {msgid!r}" for msgid, reason in problems[:20])
    assert not problems, (
        f"{addon} {lang}.po: {len(problems)} entries to fix (`make po-missing`):\n"
        + report
    )


@pytest.mark.parametrize(
    ("msgid", "msgstr", "ok"),
    [
        ("%(name)s has %(qty)s", "%(qty)s 在 %(name)s", True),
        ("%(name)s has %(qty)s", "%(name)s 有", False),
        ("%s - cost", "%s - 成本", True),
        ("%s - cost", "成本", False),
        ("%(pct)s %% above", "高 %(pct)s %%", True),
        ("%(pct)s %% above", "高 %(pct)s %", False),
        ("<strong>Date:</strong>", "<strong>日期：</strong>", True),
        ("<strong>Date:</strong>", "<b>日期：</b>", False),
        ('<span class="col-4">days</span>', '<span class="col-4">天</span>', True),
        ('<span class="col-4">days</span>', '<span class="col-2">天</span>', False),
        ("Stock of {name}", "{name} 的库存", True),
        ("Stock of {name}", "{名称} 的库存", False),
        ("'Sheet - %s' % object.name", "'成本单 - %s' % object.name", True),
        ("'Sheet - %s' % object.name", "'成本单 - %s' % object.名称", False),
    ],
)
def test_placeholder_checker(msgid, msgstr, ok):
    """The checker the two tests above rely on catches what breaks a message."""
    assert (i18n.placeholder_problem(msgid, msgstr) is None) is ok
