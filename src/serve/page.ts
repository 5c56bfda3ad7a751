/**
 * GET /: a page for a person. It holds no model data itself (so it needs no token): its script
 * reads the model card from /v1/model and predicts through /invocations, asking for the token when
 * the server answers 401. No external assets: it works offline.
 */
export function pageHtml(title: string): string {
  const safeTitle = title.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>iris serve: ${safeTitle}</title>
<style>
body { font: 15px/1.4 system-ui, sans-serif; margin: 2rem auto; max-width: 60rem; padding: 0 1rem; color: #222; }
h1 { font-size: 1.4rem; } h2 { font-size: 1.1rem; margin-top: 1.6rem; }
code { background: #f3f3f3; padding: 0 .25rem; }
table { border-collapse: collapse; } td, th { padding: .25rem .6rem; border: 1px solid #ddd; text-align: right; }
th { background: #f7f7f7; } #facts td { text-align: left; } .grid td { min-width: 3rem; text-align: center; font-weight: 600; }
form { display: grid; grid-template-columns: max-content 12rem; gap: .4rem .8rem; align-items: center; }
input { font: inherit; padding: .2rem .4rem; } button { font: inherit; padding: .3rem 1rem; grid-column: 2; justify-self: start; }
#answer { margin-top: 1rem; } .label { font-size: 1.3rem; font-weight: 700; } .error { color: #b00020; }
#auth { display: none; margin: 1rem 0; padding: .8rem; border: 1px solid #e0c000; background: #fffbe6; }
</style>
</head>
<body>
<h1>iris serve: <span id="name">${safeTitle}</span></h1>
<div id="auth"><label>This server needs a token: <input id="token" type="password" autocomplete="off"></label> <button id="use-token" type="button">Use token</button></div>
<p id="status">Loading the model card…</p>
<section id="card" hidden>
<h2>Model</h2>
<table id="facts"></table>
<h2>Test-set confusion matrix <small>(rows: true class, columns: predicted)</small></h2>
<table id="confusion" class="grid"></table>
</section>
<section id="predict" hidden>
<h2>Predict one row</h2>
<form id="form"></form>
<div id="answer" aria-live="polite"></div>
</section>
<script>
(function () {
  'use strict';
  var token = sessionStorage.getItem('iris-token') || '';
  var model = null;
  function $(id) { return document.getElementById(id); }
  function el(tag, text, attrs) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = String(text);
    for (var k in (attrs || {})) e.setAttribute(k, attrs[k]);
    return e;
  }
  function headers(extra) {
    var h = extra || {};
    if (token) h.Authorization = 'Bearer ' + token;
    return h;
  }
  function needToken(message) {
    $('auth').style.display = 'block';
    $('status').textContent = message;
    $('status').className = 'error';
  }
  function row(table, label, value) {
    var tr = el('tr'); tr.appendChild(el('th', label)); tr.appendChild(el('td', value)); table.appendChild(tr);
  }
  // Numbers as the card shows them (4 decimals); a rounded cell keeps the full value in its tooltip.
  function fmt(x) { return typeof x === 'number' ? (Number.isInteger(x) ? String(x) : x.toFixed(4)) : (x === undefined ? '–' : String(x)); }
  function numberRow(table, label, value) {
    row(table, label, fmt(value));
    table.lastChild.lastChild.title = String(value);
  }
  function showCard(m) {
    model = m;
    $('name').textContent = m.name;
    var facts = $('facts'); facts.textContent = '';
    row(facts, 'target', m.target);
    row(facts, 'features', m.features.join(', '));
    row(facts, 'classes', m.classes.join(', '));
    row(facts, 'version', m.version);
    var metrics = m.metrics || {};
    var test = metrics.test || {};
    row(facts, 'train accuracy', fmt((metrics.train || {}).accuracy));
    row(facts, 'test accuracy', fmt(test.accuracy));
    if (test.macro) row(facts, 'test macro F1', fmt(test.macro.f1));
    var cm = test.confusionMatrix;
    var grid = $('confusion'); grid.textContent = '';
    if (Array.isArray(cm)) {
      var max = 1;
      cm.forEach(function (r) { r.forEach(function (v) { if (v > max) max = v; }); });
      var head = el('tr'); head.appendChild(el('th', ''));
      m.classes.forEach(function (c) { head.appendChild(el('th', c)); });
      grid.appendChild(head);
      cm.forEach(function (r, i) {
        var tr = el('tr'); tr.appendChild(el('th', m.classes[i]));
        r.forEach(function (v, j) {
          var td = el('td', v);
          var strength = v / max;
          var hue = i === j ? 130 : 0;
          td.style.background = v === 0 ? '#fafafa' : 'hsl(' + hue + ', 65%, ' + (92 - 45 * strength) + '%)';
          td.style.color = strength > 0.6 ? '#fff' : '#222';
          td.title = 'true ' + m.classes[i] + ', predicted ' + m.classes[j] + ': ' + v;
          tr.appendChild(td);
        });
        grid.appendChild(tr);
      });
    } else {
      grid.appendChild(el('tr')).appendChild(el('td', 'no test split recorded'));
    }
    var form = $('form'); form.textContent = '';
    // The form checks its fields itself (novalidate): the browser's own check would block the submit
    // silently and leave a previous answer on screen next to fields that no longer produce it.
    form.setAttribute('novalidate', '');
    var example = Array.isArray(m.example) ? m.example : [];
    m.features.forEach(function (f, j) {
      var id = 'f' + j;
      var attrs = { id: id, name: f, type: 'number', step: 'any', required: 'required' };
      if (typeof example[j] === 'number') attrs.placeholder = 'e.g. ' + example[j];
      form.appendChild(el('label', f, { for: id }));
      form.appendChild(el('input', null, attrs));
    });
    var button = el('button', 'Predict', { type: 'submit', id: 'submit' });
    form.appendChild(button);
    $('card').hidden = false; $('predict').hidden = false;
    $('status').textContent = ''; $('status').className = '';
  }
  function load() {
    fetch('/v1/model', { headers: headers() }).then(function (r) {
      if (r.status === 401) { needToken('Enter the token to see the model.'); return null; }
      return r.json().then(function (body) {
        if (!r.ok) throw new Error(body.error || ('status ' + r.status));
        $('auth').style.display = 'none';
        showCard(body);
      });
    }).catch(function (e) { $('status').textContent = 'Cannot load the model: ' + e.message; $('status').className = 'error'; });
  }
  $('use-token').addEventListener('click', function () {
    token = $('token').value; sessionStorage.setItem('iris-token', token); load();
  });
  $('form').addEventListener('submit', function (event) {
    event.preventDefault();
    var record = {};
    var bad = null;
    model.features.forEach(function (f, j) {
      var text = $('f' + j).value;
      var value = Number(text);
      if (text.trim() === '' || !isFinite(value)) bad = f; else record[f] = value;
    });
    var answer = $('answer'); answer.textContent = '';
    if (bad !== null) { answer.appendChild(el('p', 'Enter a number for ' + bad + '.', { class: 'error' })); return; }
    fetch('/invocations?scores=true', { method: 'POST', headers: headers({ 'Content-Type': 'application/json' }), body: JSON.stringify({ dataframe_records: [record] }) })
      .then(function (r) {
        if (r.status === 401) { needToken('The token was refused; enter it again.'); return null; }
        return r.json().then(function (body) {
          if (!r.ok) { answer.appendChild(el('p', body.error, { class: 'error' })); return; }
          var p = body.predictions[0];
          answer.appendChild(el('p', 'Prediction: ')).appendChild(el('span', p.label, { class: 'label', id: 'prediction' }));
          var table = el('table', null, { id: 'scores' });
          var head = el('tr'); head.appendChild(el('th', 'class')); head.appendChild(el('th', 'decision value')); table.appendChild(head);
          if (typeof p.scores === 'number') numberRow(table, model.classes[1] + ' vs ' + model.classes[0], p.scores);
          else Object.keys(p.scores).forEach(function (c) { numberRow(table, c, p.scores[c]); });
          answer.appendChild(table);
        });
      })
      .catch(function (e) { answer.appendChild(el('p', 'Request failed: ' + e.message, { class: 'error' })); });
  });
  load();
})();
</script>
</body>
</html>
`;
}
