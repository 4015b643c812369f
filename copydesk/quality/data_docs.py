"""Data Docs offline and inert: CDN assets vendored beside the pages, data values escaped."""

from __future__ import annotations

import html
import logging
import os
import re
import shutil
from contextlib import contextmanager
from functools import wraps
from pathlib import Path

log = logging.getLogger(__name__)


# Data Docs offline and inert ------------------------------------------------------------------
#
# GX 1.24's pages load bootstrap, jquery, vega and friends from CDNs, and a logo (with the data
# context id) from S3. The same files, pinned in data_docs_assets/package-lock.json and installed
# by `make setup` (npm ci), are copied beside the docs and the links rewritten, so the docs render
# offline and fetch nothing when viewed.
NODE_MODULES = Path(__file__).parent / "data_docs_assets" / "node_modules"

VENDORED_ASSETS = {
    "https://cdn.jsdelivr.net/npm/vega@5": "vega/build/vega.min.js",
    "https://cdn.jsdelivr.net/npm/vega-lite@5": "vega-lite/build/vega-lite.min.js",
    "https://cdn.jsdelivr.net/npm/vega-embed@6": "vega-embed/build/vega-embed.min.js",
    "https://cdnjs.cloudflare.com/ajax/libs/font-awesome/6.6.0/css/all.min.css": (
        "@fortawesome/fontawesome-free/css/all.min.css"
    ),
    "https://code.jquery.com/jquery-3.7.1.min.js": "jquery/dist/jquery.min.js",
    # Bootstrap 4.3.1 needs popper.js >= 1.14.7; the CDN's 1.12.9 is replaced by 1.16.1.
    "https://cdnjs.cloudflare.com/ajax/libs/popper.js/1.12.9/umd/popper.min.js": (
        "popper.js/dist/umd/popper.min.js"
    ),
    "https://stackpath.bootstrapcdn.com/bootstrap/4.3.1/js/bootstrap.min.js": (
        "bootstrap/dist/js/bootstrap.min.js"
    ),
    "https://maxcdn.bootstrapcdn.com/bootstrap/4.3.1/css/bootstrap.min.css": (
        "bootstrap/dist/css/bootstrap.min.css"
    ),
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.js": (
        "bootstrap-table/dist/bootstrap-table.min.js"
    ),
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.css": (
        "bootstrap-table/dist/bootstrap-table.min.css"
    ),
    "https://unpkg.com/bootstrap-table@1.19.1/dist/extensions/filter-control/"
    "bootstrap-table-filter-control.min.js": (
        "bootstrap-table/dist/extensions/filter-control/bootstrap-table-filter-control.min.js"
    ),
    "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/"
    "bootstrap-table-filter-control.css": (
        "bootstrap-table/dist/extensions/filter-control/bootstrap-table-filter-control.css"
    ),
    "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/"
    "bootstrap-table-filter-control.min.css": (
        "bootstrap-table/dist/extensions/filter-control/bootstrap-table-filter-control.min.css"
    ),
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/js/"
    "bootstrap-datepicker.min.js": "bootstrap-datepicker/dist/js/bootstrap-datepicker.min.js",
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/css/"
    "bootstrap-datepicker.min.css": "bootstrap-datepicker/dist/css/bootstrap-datepicker.min.css",
    "https://cdn.jsdelivr.net/npm/@forevolve/bootstrap-dark@1.1.0/dist/css/"
    "bootstrap-prefers-dark.css": "@forevolve/bootstrap-dark/dist/css/bootstrap-prefers-dark.css",
}


# Whole folders a vendored file refers to relatively (font-awesome's ../webfonts/).
VENDORED_FOLDERS = ("@fortawesome/fontawesome-free/webfonts",)
LICENSE_NAMES = ("LICENSE", "LICENSE.txt", "LICENSE.md")
GX_ASSETS_HOST = "https://great-expectations-web-assets.s3.us-east-2.amazonaws.com/"

REMOTE_LOAD = re.compile(
    r"""<(script|link|img)\b[^>]*?\b(?:src|href)=["']https?://[^"']*["'][^>]*>(?:</script>)?""",
    re.IGNORECASE,
)

EMPTY_LOAD = re.compile(
    r"""<(script|link)\b[^>]*?\b(?:src|href)=["']["'][^>]*>(?:</script>)?""", re.IGNORECASE
)


def vendor_docs_assets(site_dir: Path, node_modules: Path = NODE_MODULES) -> list[str]:
    """Copy the CDN files into the site and point every page at them; returns what was left out.

    Idempotent: run after every build_data_docs. A file missing from node_modules (no `npm ci`
    yet) is not linked to the CDN either: its tag is dropped, the page renders unstyled, and the
    missing files are returned and logged.
    """
    vendor_dir = site_dir / "static" / "vendor"
    missing = []
    packages = set()
    for relative in [*VENDORED_ASSETS.values(), *VENDORED_FOLDERS]:
        source, target = node_modules / relative, vendor_dir / relative
        if not source.exists():
            missing.append(relative)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, target, dirs_exist_ok=True)
        else:
            shutil.copyfile(source, target)
        packages.add("/".join(relative.split("/")[: 2 if relative.startswith("@") else 1]))
    for package in packages:
        for name in LICENSE_NAMES:
            if (node_modules / package / name).exists():
                shutil.copyfile(node_modules / package / name, vendor_dir / package / name)
    if missing:
        log.warning("Data Docs assets missing (run `make setup`): %s", ", ".join(missing))
    for page in site_dir.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        rewritten = offline_links(text, os.path.relpath(site_dir / "static", page.parent), missing)
        if rewritten != text:
            page.write_text(rewritten, encoding="utf-8")
    for stylesheet in (site_dir / "static" / "styles").glob("*.css"):
        text = stylesheet.read_text(encoding="utf-8")
        rewritten = re.sub(rf"url\(['\"]?{re.escape(GX_ASSETS_HOST)}[^)]*\)", "none", text)
        if rewritten != text:
            stylesheet.write_text(rewritten, encoding="utf-8")
    return missing


def offline_links(page: str, static: str, missing: list[str]) -> str:
    """A Data Docs page with CDN links pointing at static/vendor and no remote loads left."""
    for url, relative in VENDORED_ASSETS.items():
        local = "" if relative in missing else f"{static}/vendor/{relative}"
        page = page.replace(f'"{url}"', f'"{local}"')
    # The CDN's integrity hashes and CORS mode do not apply to local files (and block file://).
    page = re.sub(r'\s+integrity="sha[^"]*"', "", page)
    page = re.sub(r'\s+crossorigin="anonymous"', "", page)
    # GX points validation pages one folder short of static/ (their favicon 404s): fix them all.
    page = re.sub(r'"(?:\./|(?:\.\./)+)static/', f'"{static}/', page)
    # GX's logo is fetched from S3 with the data context id appended: use the bundled copy.
    page = re.sub(
        rf'"{re.escape(GX_ASSETS_HOST)}([A-Za-z0-9_.-]+?)(?:\?[^"]*)?"',
        lambda m: f'"{static}/images/{m.group(1)}"',
        page,
    )
    page = re.sub(rf"url\(['\"]?{re.escape(GX_ASSETS_HOST)}[^)]*\)", "none", page)
    # Tags left pointing at a file we could not vendor: drop them rather than load remotely.
    page = EMPTY_LOAD.sub("", page)
    return REMOTE_LOAD.sub("", page)


@contextmanager
def data_values_escaped():
    """While Data Docs are built, HTML-escape the data values GX writes into its pages.

    GX 1.24 turns autoescaping on only for templates named *.html/*.xml, and its templates are
    *.j2: values from the data (unexpected values, observed values) reach the page as raw HTML,
    so an article holding `<script>` would run in the docs. Content blocks that are plain strings
    are such values (renderer markup comes as typed blocks), so they are escaped here.
    """
    from great_expectations.render.view.view import DefaultJinjaView

    original = DefaultJinjaView.render_content_block

    @wraps(original)
    def render_content_block(self, jinja_context, content_block, *args, **kwargs):
        if isinstance(content_block, str):
            content_block = html.escape(content_block)
        elif isinstance(content_block, list):
            content_block = [
                html.escape(item) if isinstance(item, str) else item for item in content_block
            ]
        return original(self, jinja_context, content_block, *args, **kwargs)

    DefaultJinjaView.render_content_block = render_content_block  # type: ignore[method-assign]
    try:
        yield
    finally:
        DefaultJinjaView.render_content_block = original  # type: ignore[method-assign]
