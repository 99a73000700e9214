"""What the report page carries inside it: its CSS, the vendored chart libraries and their start-up."""

from __future__ import annotations

import html
import json
from importlib.resources import files

VEGA_FILES: tuple[str, ...] = ("vega.min.js", "vega-lite.min.js", "vega-embed.min.js")
"""The vendored chart libraries, in load order (under ``trellis/core/static/vendor/vega``)."""

STYLE = """
:root { color: #1b1b1b; background: #ffffff; font-family: system-ui, -apple-system, "Segoe UI",
  Roboto, sans-serif; line-height: 1.5; }
body { margin: 0; }
main { max-width: 60rem; margin: 0 auto; padding: 1rem 1.25rem 3rem; overflow-wrap: break-word; }
a { color: #005ea2; }
a:focus, [tabindex]:focus, summary:focus { outline: 3px solid #2491ff; outline-offset: 2px; }
.skip-link { position: absolute; left: -999rem; top: 0; background: #ffffff; padding: 0.5rem; }
.skip-link:focus { left: 0.5rem; z-index: 10; }
header.banner { background: #162e51; color: #ffffff; padding: 0.5rem 1.25rem; }
header.banner p { margin: 0 auto; max-width: 60rem; font-weight: 600; }
h1 { font-size: 1.9rem; margin-top: 1rem; }
h2 { font-size: 1.45rem; border-top: 1px solid #a9aeb1; padding-top: 1rem; margin-top: 2.5rem; }
h3 { font-size: 1.15rem; margin-top: 1.75rem; }
p.lead { font-size: 1.1rem; }
dl.audited { display: grid; grid-template-columns: max-content minmax(0, 1fr); gap: 0.25rem 1.25rem; }
dl.audited dt { font-weight: 600; }
dl.audited dd { margin: 0; }
ol.findings li, ul.next li { margin-bottom: 0.5rem; }
figure { margin: 1rem 0 0.5rem; max-width: 100%; }
figcaption { color: #3d4551; font-size: 0.95rem; }
.chart { min-height: 2rem; }
details { margin: 0.75rem 0 1.25rem; }
summary { cursor: pointer; color: #005ea2; font-weight: 600; padding: 0.25rem 0; }
code.formula { font-family: ui-monospace, "SFMono-Regular", Menlo, monospace; background: #f0f0f0;
  padding: 0 0.2rem; white-space: nowrap; }
table { border-collapse: collapse; width: 100%; font-size: 0.9rem; margin-bottom: 1rem; }
caption { text-align: left; font-weight: 600; padding: 0.25rem 0; }
th, td { border-bottom: 1px solid #a9aeb1; padding: 0.3rem 0.45rem; text-align: left;
  vertical-align: top; }
thead th { border-bottom: 2px solid #1b1b1b; }
td.number { text-align: right; }
.flag { color: #8b0a03; font-weight: 700; }
.note { color: #3d4551; }
"""

RENDER_SCRIPT = """
document.querySelectorAll('script[type="application/json"][data-chart]').forEach(function (node) {
  var target = document.getElementById(node.getAttribute("data-chart"));
  if (!target || typeof vegaEmbed === "undefined") { return; }
  vegaEmbed(target, JSON.parse(node.textContent),
            { actions: false, renderer: "svg", mode: "vega-lite" }).then(function () {
    var svg = target.querySelector("svg");
    if (svg) { svg.setAttribute("aria-hidden", "true"); svg.setAttribute("focusable", "false"); }
    target.setAttribute("data-rendered", "true");
  });
});
"""


def vendored_scripts() -> tuple[str, ...]:
    """The text of the vendored Vega, Vega-Lite and Vega-Embed (read from the package data)."""
    folder = files("trellis").joinpath("core", "static", "vendor", "vega")
    return tuple(folder.joinpath(name).read_text(encoding="utf-8") for name in VEGA_FILES)


def escape(value: object) -> str:
    """Text for HTML, quotes included."""
    return html.escape(str(value), quote=True)


def script_json(value: object) -> str:
    """JSON that is safe inside ``<script type="application/json">`` (no ``</script>``)."""
    text = json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
