/* Each chart reads the numbers of the table under it (a json_script written by the server, with
   labels already in Jalali and in the page's language). */
(function () {
  if (!window.Chart) { return; }
  var root = document.documentElement;
  var rtl = root.dir === "rtl";
  var locale = root.lang === "fa" ? "fa-IR" : "en-US";
  var colours = ["#0b5d57", "#b45309", "#5a6b7b", "#8c3b5e", "#3f7fbf", "#5c7300"];  /* each at least 4.5:1 on white (decision 54) */
  var numbers = new Intl.NumberFormat(locale, {maximumFractionDigits: 1});
  function tick(value) { return numbers.format(value); }  /* Chart.js writes a bare "0" itself */
  function draw() {
    Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
    Chart.defaults.color = "#343a40";
    document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      var spec = JSON.parse(document.getElementById(canvas.dataset.chart).textContent);
      var value = {stacked: spec.stacked, beginAtZero: true, position: rtl ? "right" : "left",
                   ticks: {precision: 0, callback: tick}};
      var category = {stacked: spec.stacked, ticks: {autoSkip: true, maxRotation: 60}};
      var scales = spec.horizontal
        ? {x: Object.assign({}, value, {reverse: rtl, position: "bottom"}), y: Object.assign({}, category, {position: rtl ? "right" : "left"})}
        : {x: Object.assign({}, category, {reverse: rtl}), y: value};
      new Chart(canvas, {
        type: "bar",
        data: {
          labels: spec.labels,
          datasets: spec.datasets.map(function (set, index) {
            return {label: set.label, data: set.data, backgroundColor: colours[index % colours.length]};
          })
        },
        options: {
          indexAxis: spec.horizontal ? "y" : "x",
          maintainAspectRatio: false,
          animation: false,
          locale: locale,
          scales: scales,
          plugins: {
            legend: {display: spec.datasets.length > 1, rtl: rtl, textDirection: rtl ? "rtl" : "ltr", align: "start"},
            tooltip: {rtl: rtl, textDirection: rtl ? "rtl" : "ltr"}
          }
        }
      });
    });
  }
  if (document.fonts && document.fonts.ready) { document.fonts.ready.then(draw); } else { draw(); }
})();
