// Draw every Vega-Lite chart whose spec sits in a <script type="application/json" id="X-spec">.
// The site's Content Security Policy allows no generated code and no inline style, so Vega
// evaluates expressions with its interpreter (ast) and its default styles come from trellis.css.
document.querySelectorAll('script[type="application/json"][id$="-spec"]').forEach(function (node) {
  var target = document.getElementById(node.id.slice(0, -5));
  if (!target || typeof vegaEmbed === "undefined") { return; }
  var options = {
    actions: false, renderer: "svg", ast: true, defaultStyle: false,
    tooltip: { disableDefaultStyle: true }
  };
  vegaEmbed(target, JSON.parse(node.textContent), options).then(function (result) {
    target.dataset.rendered = "true";
    var svg = target.querySelector("svg");
    if (svg) { svg.setAttribute("aria-hidden", "true"); svg.setAttribute("focusable", "false"); }
  });
});
