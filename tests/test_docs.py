"""The docs keep up with the code: every setting, mart and command is documented, and
docs/warehouse.md is what `copydesk schema --markdown` prints for the models as they are."""

import re

from copydesk.settings import PROJECT_ROOT
from copydesk.warehouse.models import load_models
from copydesk.warehouse.schema import describe, markdown
from tests.conftest import build_warehouse, seed_documents

DOCS_DIR = PROJECT_ROOT / "docs"
README = PROJECT_ROOT / "README.md"
CLI = PROJECT_ROOT / "copydesk" / "cli.py"


def docs_text() -> str:
    return "\n".join(path.read_text(encoding="utf-8") for path in sorted(DOCS_DIR.glob("*.md")))


def test_every_setting_read_from_the_environment_is_documented():
    code = "\n".join(p.read_text() for p in (PROJECT_ROOT / "copydesk").rglob("*.py"))
    settings = set(re.findall(r"\bCOPYDESK_[A-Z_]+[A-Z]\b", code))
    assert {"COPYDESK_RAW", "COPYDESK_MEMORY_LIMIT"} <= settings
    missing = sorted(s for s in settings if s not in docs_text())
    assert not missing, f"settings missing from docs/: {missing}"


def test_every_mart_is_documented():
    marts = [m.name for m in load_models() if m.layer == "marts"]
    text = docs_text()
    assert not [m for m in marts if not re.search(rf"\b{m}\b", text)]


def test_every_command_is_documented():
    commands = re.findall(r'commands\.add_parser\(\s*"([a-z-]+)"', CLI.read_text())
    assert len(commands) >= 7
    text = docs_text()
    assert not [c for c in commands if f"copydesk {c}" not in text]


def test_the_readme_is_a_front_page_whose_links_resolve():
    text = README.read_text(encoding="utf-8")
    assert len(text.encode()) <= 12_500
    for target in re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", text):
        if not target.startswith("http"):
            assert (PROJECT_ROOT / target).exists(), f"README links to missing {target}"


def test_warehouse_reference_is_generated_from_the_models():
    expected = markdown(describe(build_warehouse(seed_documents())))
    written = (DOCS_DIR / "warehouse.md").read_text(encoding="utf-8")
    assert written == expected, "docs/warehouse.md is stale: run `copydesk schema --markdown`"


def test_the_field_aliases_in_the_docs_are_the_code_table():
    from copydesk.ingest.fields import ALIASES

    text = (DOCS_DIR / "bad-input.md").read_text(encoding="utf-8")
    section = text.split("## Feeds with their own field names", 1)[1].split("\n## ", 1)[0]
    documented = {
        field: tuple(re.findall(r"`([^`]+)`", names))
        for field, names in re.findall(r"^\| `(\w+)` \| (.+) \|$", section, re.MULTILINE)
    }
    assert documented == ALIASES
