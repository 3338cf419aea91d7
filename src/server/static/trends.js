/* Draws the trends chart with uPlot from the JSON the page carries (#trends-data): one line per
   query over shared buckets. The same numbers are in the page's table for readers without
   JavaScript. */
/* global document, window, uPlot */
(function () {
  'use strict';
  var el = document.getElementById('trends-chart');
  var dataEl = document.getElementById('trends-data');
  if (!el || !dataEl || typeof uPlot === 'undefined') return;
  var t = JSON.parse(dataEl.textContent);
  // unit "percent": each value is the share of all articles in the bucket (norm=1).
  var pct = t.unit === 'percent';
  if (!t.starts.length) return;
  // The chart is hidden and the table open for readers without JavaScript; swap them.
  var figure = document.getElementById('trends-figure');
  if (figure) figure.hidden = false;
  var table = document.getElementById('trends-table');
  if (table) table.open = false;
  var palette = ['#0b5cad', '#d1495b', '#2a9d4a', '#e08e0b', '#7b4fb8', '#11808c', '#8c5a2b', '#c2338f'];
  var dark = window.matchMedia && window.matchMedia('(prefers-color-scheme: dark)').matches;
  var axisColor = dark ? '#aab1bc' : '#4f5661';
  var gridColor = dark ? '#323844' : '#e3e6ea';
  var xs = t.starts.map(function (s) { return Date.parse(s + 'T00:00:00Z') / 1000; });
  var data = [xs].concat(t.counts);
  var fmtDay = new Intl.DateTimeFormat('vi-VN', { timeZone: 'UTC', day: 'numeric', month: 'numeric', year: 'numeric' });
  var fmtTick = t.interval === 'month'
    ? new Intl.DateTimeFormat('vi-VN', { timeZone: 'UTC', month: 'numeric', year: 'numeric' })
    : new Intl.DateTimeFormat('vi-VN', { timeZone: 'UTC', day: 'numeric', month: 'numeric' });
  var tickLabel = function (ts) { return t.interval === 'month' ? 'T' + fmtTick.format(new Date(ts * 1000)) : fmtTick.format(new Date(ts * 1000)); };
  // Few buckets: one tick per bucket, so months are labelled as months, not as weeks inside them.
  var splits = xs.length <= 16 ? function () { return xs; } : undefined;
  var series = [{ label: t.interval === 'month' ? 'Tháng' : t.interval === 'week' ? 'Tuần từ' : 'Ngày', value: function (u, v) { return v == null ? '' : fmtDay.format(new Date(v * 1000)); } }];
  // Optional per-series looks (the observatory's forecast: dashed forecast, thin interval bounds);
  // a null value is a gap in the line (a day without collection), never a zero.
  var styles = t.styles || [];
  t.queries.forEach(function (q, i) {
    var st = styles[i] || {};
    series.push({ label: q, stroke: st.color || palette[i % palette.length], width: st.width || 2, dash: st.dash, points: { show: xs.length < 60 }, value: function (u, v) { return v == null ? '' : v.toLocaleString('vi-VN', { maximumFractionDigits: 2 }) + (pct ? '%' : ''); } });
  });
  function size() {
    return { width: Math.max(280, el.clientWidth - 16), height: Math.max(240, Math.min(420, Math.round(el.clientWidth * 0.45))) };
  }
  var s = size();
  var opts = {
    width: s.width,
    height: s.height,
    tzDate: function (ts) { return uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC'); },
    series: series,
    scales: { y: { range: function (u, min, max) { return [0, Math.max(pct ? 0.01 : 1, max * 1.1)]; } } },
    axes: [
      { stroke: axisColor, grid: { stroke: gridColor }, splits: splits, values: function (u, vals) { return vals.map(tickLabel); } },
      { stroke: axisColor, grid: { stroke: gridColor }, size: 50, values: function (u, vals) { return vals.map(function (v) { return pct ? v.toLocaleString('vi-VN', { maximumFractionDigits: 2 }) + '%' : Number.isInteger(v) ? v.toLocaleString('vi-VN') : ''; }); } },
    ],
    legend: { live: true },
  };
  el.textContent = '';
  var plot = new uPlot(opts, data, el);
  var pending = 0;
  window.addEventListener('resize', function () {
    window.cancelAnimationFrame(pending);
    pending = window.requestAnimationFrame(function () { plot.setSize(size()); });
  });
})();
