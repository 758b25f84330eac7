// A small SVG line chart (no library): lineChart(container, series, options).
// series: [{name, color, points: [[x, y], ...]}]; every point is drawn as a <circle class="pt">
// so that a test (or a reader) can count what was plotted.
"use strict";

const SVG_NS = "http://www.w3.org/2000/svg";
const PALETTE = ["#2f6fde", "#e0662f", "#2a9d5c", "#b0399b", "#c9a227", "#3aa6b9", "#7b5cd6", "#d43d51"];

function svgEl(name, attrs, text) {
  const el = document.createElementNS(SVG_NS, name);
  for (const [k, v] of Object.entries(attrs || {})) el.setAttribute(k, String(v));
  if (text !== undefined) el.textContent = text;
  return el;
}

function niceTicks(lo, hi, count) {
  if (hi === lo) { hi = lo + 1; }
  const step0 = (hi - lo) / count;
  const mag = Math.pow(10, Math.floor(Math.log10(step0)));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= step0);
  const ticks = [];
  // k * step, not repeated addition: sums drift (2 + 5 * 0.2 is not 3) and integers get lost.
  for (let k = Math.ceil(lo / step - 1e-9); k <= Math.floor(hi / step + 1e-9); k++) ticks.push(Number((k * step).toPrecision(12)));
  return ticks;
}

function fmtTick(v) {
  const a = Math.abs(v);
  if (a >= 1e6) return (v / 1e6).toFixed(1) + "M";
  if (a >= 1e3) return (v / 1e3).toFixed(1) + "k";
  if (a >= 1 || a === 0) return String(Math.round(v * 100) / 100);
  return v.toPrecision(2);
}

function lineChart(container, series, opts) {
  opts = opts || {};
  const W = 560, H = 220, L = 52, R = 78, T = 10, B = 34; // R: room for the legend
  container.textContent = "";
  const svg = svgEl("svg", { viewBox: `0 0 ${W} ${H}`, role: "img", "aria-label": opts.label || "chart" });
  container.appendChild(svg);
  const all = series.flatMap((s) => s.points);
  svg.setAttribute("data-points", all.length);
  if (all.length === 0) {
    svg.appendChild(svgEl("text", { x: W / 2, y: H / 2, "text-anchor": "middle", class: "empty" }, opts.empty || "no data yet"));
    return svg;
  }
  let [x0, x1] = [Math.min(...all.map((p) => p[0])), Math.max(...all.map((p) => p[0]))];
  let [y0, y1] = [Math.min(0, ...all.map((p) => p[1])), Math.max(...all.map((p) => p[1]))];
  if (x0 === x1) { x0 -= 1; x1 += 1; }
  if (y0 === y1) { y1 = y0 + 1; }
  const yt = niceTicks(y0, y1, 4);
  y1 = Math.max(y1, yt[yt.length - 1]);
  const sx = (x) => L + ((x - x0) / (x1 - x0)) * (W - L - R);
  const sy = (y) => H - B - ((y - y0) / (y1 - y0)) * (H - T - B);
  for (const t of yt) {
    svg.appendChild(svgEl("line", { x1: L, x2: W - R, y1: sy(t), y2: sy(t), class: "grid" }));
    svg.appendChild(svgEl("text", { x: L - 4, y: sy(t) + 3, "text-anchor": "end" }, fmtTick(t)));
  }
  for (const t of niceTicks(x0, x1, 6).filter((t) => !opts.integerX || Number.isInteger(t))) {
    svg.appendChild(svgEl("text", { x: sx(t), y: H - B + 14, "text-anchor": "middle" }, fmtTick(t)));
  }
  svg.appendChild(svgEl("line", { x1: L, x2: L, y1: T, y2: H - B, class: "axis" }));
  svg.appendChild(svgEl("line", { x1: L, x2: W - R, y1: H - B, y2: H - B, class: "axis" }));
  if (opts.xLabel) svg.appendChild(svgEl("text", { x: (L + W - R) / 2, y: H - 4, "text-anchor": "middle" }, opts.xLabel));
  series.forEach((s, i) => {
    const color = s.color || PALETTE[i % PALETTE.length];
    const pts = s.points.slice().sort((a, b) => a[0] - b[0]);
    if (pts.length > 1) {
      const d = pts.map((p, k) => `${k ? "L" : "M"}${sx(p[0]).toFixed(1)},${sy(p[1]).toFixed(1)}`).join(" ");
      svg.appendChild(svgEl("path", { d, class: "line", stroke: color }));
    }
    for (const p of pts) {
      const c = svgEl("circle", { cx: sx(p[0]).toFixed(1), cy: sy(p[1]).toFixed(1), r: 3, fill: color, class: "pt" });
      c.appendChild(svgEl("title", {}, `${s.name}: ${p[0]} → ${p[1]}`));
      svg.appendChild(c);
    }
    // Legend, top right, one row per series.
    svg.appendChild(svgEl("rect", { x: W - R + 10, y: T + 2 + i * 13, width: 8, height: 8, fill: color }));
    svg.appendChild(svgEl("text", { x: W - R + 22, y: T + 10 + i * 13 }, s.name));
  });
  return svg;
}
