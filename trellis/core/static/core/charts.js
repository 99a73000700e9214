// Draw every Vega-Lite chart whose spec sits in a <script type="application/json" id="X-spec">.
document.querySelectorAll('script[type="application/json"][id$="-spec"]').forEach(function (node) {
  var target = document.getElementById(node.id.slice(0, -5));
  if (!target || typeof vegaEmbed === "undefined") { return; }
  vegaEmbed(target, JSON.parse(node.textContent), { actions: false, renderer: "svg" }).then(function (result) {
    target.dataset.rendered = "true";
    var svg = target.querySelector("svg");
    if (svg) { svg.setAttribute("aria-hidden", "true"); svg.setAttribute("focusable", "false"); }
  });
});
