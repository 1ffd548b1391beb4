import RefoldShared

extension HTMLReportWriter {
  /// The page's style sheet: system fonts only, light and dark.
  static let style = """
    :root { --fg: #1f2328; --muted: #656d76; --line: #d0d7de; --bg: #ffffff; --panel: #f6f8fa;
      --accent: #0969da; --ok: #1a7f37; --bad: #cf222e; --band: rgba(9,105,218,.15); }
    @media (prefers-color-scheme: dark) { :root { --fg: #e6edf3; --muted: #8d96a0;
      --line: #30363d; --bg: #0d1117; --panel: #161b22; --accent: #4493f8; --ok: #3fb950;
      --bad: #f85149; --band: rgba(68,147,248,.2); } }
    * { box-sizing: border-box; }
    body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif;
      color: var(--fg); background: var(--bg); }
    header { padding: 18px 28px 10px; border-bottom: 1px solid var(--line); background: var(--panel); }
    h1 { margin: 0 0 8px; font-size: 22px; }
    h2 { font-size: 17px; margin: 0 0 12px; }
    h3 { font-size: 14px; margin: 16px 0 8px; color: var(--muted); }
    main { padding: 8px 28px 40px; }
    section { margin: 22px 0; }
    .facts { display: flex; flex-wrap: wrap; gap: 4px 22px; margin: 0; }
    .facts div { display: flex; gap: 6px; } .facts dt { color: var(--muted); } .facts dd { margin: 0; }
    .cards { display: flex; flex-wrap: wrap; gap: 12px; margin-bottom: 10px; }
    .card { border: 1px solid var(--line); border-radius: 8px; padding: 10px 14px; min-width: 180px;
      background: var(--panel); }
    .card-title { color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .04em; }
    .card-value { font-size: 26px; font-weight: 600; }
    .card-detail { color: var(--muted); font-size: 12px; }
    .badge { display: inline-block; margin-top: 4px; padding: 1px 8px; border-radius: 10px; font-size: 12px;
      color: #fff; } .badge.ok { background: var(--ok); } .badge.bad { background: var(--bad); }
    .badge.muted { background: var(--muted); }
    .gate-banner { margin: 10px 0 0; padding: 8px 14px; border-radius: 8px; color: #fff; }
    .gate-banner.pass { background: var(--ok); } .gate-banner.fail { background: var(--bad); }
    .gate-banner.incomplete { background: #bf8700; }
    .gate-banner strong { font-size: 18px; margin-right: 10px; }
    .gate-banner ul { margin: 4px 0 0; padding-left: 20px; font-size: 13px; }
    svg { max-width: 100%; height: auto; font-size: 11px; }
    svg text { fill: var(--fg); } svg .tick { fill: var(--muted); }
    svg .grid { stroke: var(--line); stroke-width: 1; }
    svg .bar { fill: var(--accent); opacity: .75; } svg .bar.failing { fill: var(--bad); }
    svg .whisker line { stroke: var(--fg); stroke-width: 1.5; }
    svg .wall { stroke: #bf8700; stroke-width: 2; stroke-dasharray: 6 4; }
    svg .threshold { stroke: var(--bad); stroke-width: 2.5; }
    svg .band { fill: var(--band); stroke: none; }
    svg .case-line { fill: none; stroke: var(--accent); stroke-width: 2.2; }
    svg .intent-line { fill: none; stroke: var(--muted); stroke-width: 1.5; stroke-dasharray: 4 3; }
    svg .point { fill: var(--accent); }
    svg.rates { width: 620px; } svg.trend { width: 620px; }
    .trend-grid { display: flex; flex-wrap: wrap; gap: 18px; }
    figure { margin: 0; } figcaption { color: var(--muted); margin-bottom: 4px; }
    table { border-collapse: collapse; }
    th, td { padding: 4px 8px; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; }
    .split { display: flex; flex-wrap: wrap; gap: 28px; align-items: flex-start; }
    .scroll { overflow-x: auto; max-width: 100%; }
    .matrix td { text-align: center; min-width: 34px; border: 1px solid var(--line); font-variant-numeric: tabular-nums; }
    .matrix th { font-weight: 500; white-space: nowrap; }
    .matrix th.rot { height: 150px; vertical-align: bottom; padding: 0 2px; }
    .matrix th.rot span { writing-mode: vertical-rl; transform: rotate(180deg); }
    .matrix .corner { color: var(--muted); font-size: 11px; vertical-align: bottom; }
    .scores td, .behaviour td { font-variant-numeric: tabular-nums; }
    .behaviour th { font-weight: 500; }
    .filters { display: flex; flex-wrap: wrap; gap: 10px 18px; align-items: center; padding: 10px 12px;
      background: var(--panel); border: 1px solid var(--line); border-radius: 8px; margin-bottom: 10px; }
    .filters .grow { flex: 1; display: flex; gap: 6px; align-items: center; }
    .filters input[type=search] { flex: 1; min-width: 200px; padding: 4px 8px; }
    select, input, button { font: inherit; color: inherit; background: var(--bg);
      border: 1px solid var(--line); border-radius: 6px; padding: 3px 6px; }
    button { cursor: pointer; } button:disabled { opacity: .4; cursor: default; }
    .cases-layout { display: grid; grid-template-columns: minmax(0, 1.25fr) minmax(0, 1fr); gap: 18px; }
    .cases-list { overflow-x: auto; }
    @media (max-width: 1000px) { .cases-layout { grid-template-columns: 1fr; } }
    .cases { width: 100%; font-size: 13px; }
    .cases tbody tr { cursor: pointer; } .cases tbody tr:hover { background: var(--panel); }
    .cases tbody tr.selected { background: var(--band); }
    .cases td { white-space: nowrap; }
    .cases td:first-child { white-space: normal; overflow-wrap: anywhere; min-width: 12em; }
    .pager { display: flex; gap: 8px; align-items: center; margin-bottom: 6px; color: var(--muted); }
    .verdict { font-size: 12px; padding: 0 6px; border-radius: 8px; white-space: nowrap; }
    .verdict.pass { color: var(--ok); border: 1px solid var(--ok); }
    .verdict.fail { color: var(--bad); border: 1px solid var(--bad); }
    .detail { position: sticky; top: 8px; align-self: start; max-height: calc(100vh - 16px); overflow: auto;
      border: 1px solid var(--line); border-radius: 8px; padding: 12px 16px; background: var(--panel); }
    .detail h3 { margin-top: 14px; } .hint { color: var(--muted); }
    .detail pre { white-space: pre-wrap; word-break: break-word; margin: 0; font-size: 12px;
      background: var(--bg); border: 1px solid var(--line); border-radius: 6px; padding: 6px 8px; max-height: 320px; overflow: auto; }
    .timeline { list-style: none; padding: 0; margin: 0; }
    .timeline li { border-left: 3px solid var(--line); padding: 2px 0 6px 10px; }
    .timeline li.kind-input { border-color: #8250df; } .timeline li.kind-error { border-color: var(--bad); }
    .timeline li.kind-decision { border-color: var(--accent); } .timeline li.kind-result { border-color: var(--ok); }
    .timeline li.decision-point { background: var(--band); border-left-width: 6px; }
    .timeline .meta { color: var(--muted); font-size: 12px; }
    .timeline .type { font-weight: 600; }
    .timeline .marker { color: var(--accent); font-weight: 700; margin-left: 6px; }
    .diff { width: 100%; table-layout: fixed; }
    .diff td, .diff th { font-size: 12px; overflow-wrap: anywhere; }
    .diff .expected { color: var(--ok); } .diff .actual { color: var(--bad); }
    .kv { display: grid; grid-template-columns: max-content 1fr; gap: 2px 12px; }
    .kv dt { color: var(--muted); } .kv dd { margin: 0; word-break: break-word; }
    """

  /// The page's script: filters, paging, drill-down and `#case=<id>` anchors.
  ///
  /// Text from the data block is only ever set through `textContent`.
  static let script = #"""
    (function () {
      'use strict';
      var PAGE = ROWS_PER_PAGE;
      var VERDICTS = ['pass', 'wrong_intent', 'wrong_parameters', 'invalid_output', 'source_error',
        'behaviour_failed', 'diverged'];
      var D = JSON.parse(document.getElementById('refold-data').textContent);
      var S = D.s, H = D.h, C = D.c, V = D.v;
      var state = { page: 0, rows: [], selected: -1 };
      var $ = function (id) { return document.getElementById(id); };

      function el(tag, className, text) {
        var node = document.createElement(tag);
        if (className) { node.className = className; }
        if (text !== undefined && text !== null) { node.textContent = String(text); }
        return node;
      }
      function name(index) { return index >= 0 ? S[index] : ''; }
      function show(value, pretty) {
        if (value === undefined || value === null) { return ''; }
        if (typeof value === 'object' && !Array.isArray(value) && Object.keys(value).length === 1 &&
          typeof value['~'] === 'string') { return value['~']; }
        return typeof value === 'string' ? value : JSON.stringify(value, null, pretty ? 2 : 0);
      }
      function extra(row) { return row.length > 8 ? row[8] : {}; }
      function caseID(row) {
        var x = extra(row);
        if (x.i) { return x.i; }
        return row[2] === 1 ? H[row[1]] + '@loop' : H[row[1]] + '#' + row[3];
      }
      var searchCache = null;
      function searchText(index) {
        if (!searchCache) { searchCache = new Array(C.length); }
        var text = searchCache[index];
        if (text === undefined) {
          var row = C[index], x = extra(row);
          text = [caseID(row), name(row[5]), name(row[6]), VERDICTS[row[7]], x.f || '',
            x.rb || '', V[row[0]]].join(' ').toLowerCase();
          searchCache[index] = text;
        }
        return text;
      }

      function filter() {
        var failed = $('f-failed').checked;
        var intent = $('f-intent').value;
        var variant = $('f-variant').value;
        var mode = $('f-mode').value;
        var query = $('f-text').value.trim().toLowerCase();
        var intentIndex = intent === '' ? -2 : S.indexOf(intent);
        var rows = [];
        for (var i = 0; i < C.length; i++) {
          var row = C[i];
          if (failed && row[7] === 0) { continue; }
          if (intent !== '' && row[5] !== intentIndex && row[6] !== intentIndex) { continue; }
          if (variant !== '' && row[0] !== Number(variant)) { continue; }
          if (mode !== '' && row[2] !== Number(mode)) { continue; }
          if (query !== '' && searchText(i).indexOf(query) < 0) { continue; }
          rows.push(i);
        }
        state.rows = rows;
        state.page = 0;
        render();
      }

      function verdictBadge(index) {
        return el('span', 'verdict ' + (index === 0 ? 'pass' : 'fail'), VERDICTS[index]);
      }

      function render() {
        var body = $('case-rows');
        body.textContent = '';
        var pages = Math.max(1, Math.ceil(state.rows.length / PAGE));
        if (state.page >= pages) { state.page = pages - 1; }
        var start = state.page * PAGE;
        var end = Math.min(state.rows.length, start + PAGE);
        var fragment = document.createDocumentFragment();
        for (var k = start; k < end; k++) {
          var index = state.rows[k], row = C[index];
          var tr = el('tr');
          tr.dataset.index = String(index);
          if (index === state.selected) { tr.className = 'selected'; }
          tr.appendChild(el('td', null, caseID(row)));
          tr.appendChild(el('td', null, V[row[0]]));
          tr.appendChild(el('td', null, name(row[5])));
          var actual = row[6] >= 0 ? name(row[6]) : (row[2] === 1 ? '' : '(no intent)');
          tr.appendChild(el('td', null, actual));
          var cell = el('td');
          cell.appendChild(verdictBadge(row[7]));
          tr.appendChild(cell);
          fragment.appendChild(tr);
        }
        body.appendChild(fragment);
        var pager = $('pager');
        pager.textContent = '';
        var previous = el('button', null, '‹ previous');
        previous.type = 'button';
        previous.disabled = state.page === 0;
        previous.onclick = function () { state.page--; render(); };
        var next = el('button', null, 'next ›');
        next.type = 'button';
        next.disabled = state.page >= pages - 1;
        next.onclick = function () { state.page++; render(); };
        pager.appendChild(previous);
        pager.appendChild(el('span', null, state.rows.length === 0 ? 'no cases match' :
          (start + 1) + '–' + end + ' of ' + state.rows.length + ' cases (' + C.length + ' in the run)'));
        pager.appendChild(next);
      }

      function kindOf(type) {
        if (['slack_message', 'user_input', 'email', 'webhook', 'human_response', 'approval']
          .indexOf(type) >= 0) { return 'input'; }
        if (type === 'error') { return 'error'; }
        if (/_result$/.test(type) || type === 'tool_response') { return 'result'; }
        return 'decision';
      }

      function timeline(events, markSeq) {
        var list = el('ol', 'timeline');
        for (var i = 0; i < events.length; i++) {
          var event = events[i];
          if (markSeq >= 0 && event[0] > markSeq) { break; }
          var type = name(event[1]);
          var item = el('li', 'kind-' + kindOf(type));
          if (event[0] === markSeq) { item.className += ' decision-point'; }
          var line = el('div');
          line.appendChild(el('span', 'meta', '#' + event[0] + ' '));
          line.appendChild(el('span', 'type', type));
          if (event[3]) { line.appendChild(el('span', 'meta', '  ' + event[3])); }
          if (event[0] === markSeq) { line.appendChild(el('span', 'marker', '◀ decision point (golden)')); }
          item.appendChild(line);
          item.appendChild(el('pre', null, show(event[2])));
          if (event[4]) { item.appendChild(el('div', 'meta', 'meta ' + JSON.stringify(event[4]))); }
          list.appendChild(item);
        }
        return list;
      }

      function facts(pairs) {
        var list = el('dl', 'kv');
        for (var i = 0; i < pairs.length; i++) {
          if (pairs[i][1] === undefined || pairs[i][1] === null || pairs[i][1] === '') { continue; }
          list.appendChild(el('dt', null, pairs[i][0]));
          list.appendChild(el('dd', null, pairs[i][1]));
        }
        return list;
      }

      function diffTable(diff) {
        var table = el('table', 'diff');
        var head = el('tr');
        ['path', 'expected', 'actual', 'matcher', 'reason'].forEach(function (title) {
          head.appendChild(el('th', null, title));
        });
        table.appendChild(head);
        diff.forEach(function (entry) {
          var tr = el('tr');
          tr.appendChild(el('td', null, entry[0]));
          tr.appendChild(el('td', 'expected', entry[1] === 0 ? '(absent)' : entry[1]));
          tr.appendChild(el('td', 'actual', entry[2] === 0 ? '(absent)' : entry[2]));
          tr.appendChild(el('td', null, entry[3]));
          tr.appendChild(el('td', null, entry[4]));
          table.appendChild(tr);
        });
        return table;
      }

      function showCase(index) {
        var row = C[index], x = extra(row), panel = $('detail');
        state.selected = index;
        panel.textContent = '';
        var id = caseID(row);
        panel.appendChild(el('h2', null, id));
        var badge = el('p');
        badge.appendChild(verdictBadge(row[7]));
        panel.appendChild(badge);
        panel.appendChild(facts([
          ['variant', V[row[0]]], ['thread', H[row[1]]], ['mode', row[2] === 1 ? 'loop' : (x.m || 'step')],
          ['step', row[3] >= 0 ? row[3] : ''], ['seq', row[4] >= 0 ? row[4] : ''],
          ['expected intent', name(row[5])],
          ['actual intent', row[6] >= 0 ? name(row[6]) : (row[2] === 1 ? '' : '(none)')],
          ['also accepted', x.ac ? x.ac.join(', ') : ''], ['failure', x.f],
          ['retry behaviour', x.rb ? x.rb + (x.xb ? ' (golden: ' + x.xb + ')' : '') : ''],
          ['tokens', x.u ? x.u[0] + ' in / ' + x.u[1] + ' out' : '']
        ]));
        if (row[2] === 0 && row[3] >= 0) {
          var heading = document.querySelector('header h1');
          var at = H[row[1]] + '#' + row[3] + ' --suite ' + (heading ? heading.textContent : 'SUITE') +
            ' --variant ' + V[row[0]];
          panel.appendChild(el('h3', null, 'Ask it again'));
          panel.appendChild(el('pre', 'commands', 'refold context ' + at + '\nrefold ask ' + at +
            '\nrefold why ' + at));
        }
        if (x.ep !== undefined || x.ap !== undefined) {
          panel.appendChild(el('h3', null, 'Expected parameters'));
          panel.appendChild(el('pre', null, x.ep !== undefined ? show(x.ep) : '(none)'));
          panel.appendChild(el('h3', null, 'Actual parameters'));
          panel.appendChild(el('pre', null, x.ap !== undefined ? show(x.ap) : '(none)'));
        }
        if (x.d) {
          panel.appendChild(el('h3', null, 'Parameter diff'));
          panel.appendChild(diffTable(x.d));
        }
        if (x.b) {
          var b = x.b;
          panel.appendChild(el('h3', null, 'Loop behaviour'));
          panel.appendChild(facts([
            ['steps', b.st], ['final status', b.fs], ['terminal intent', b.ti || '(none)'],
            ['retries', b.re], ['escalated', b.es ? 'yes' : 'no'], ['escalation timing', b.et]
          ]));
          var checks = el('ul');
          (b.ck || []).forEach(function (check) {
            checks.appendChild(el('li', null, (check[1] ? '✓ ' : '✗ ') + check[0] + ': ' + check[2]));
          });
          panel.appendChild(checks);
          if (b.dv) {
            panel.appendChild(el('h3', null, 'Divergence at step ' + b.dv.s));
            panel.appendChild(facts([
              ['expected', b.dv.e ? b.dv.e + ' ' + JSON.stringify(b.dv.ep) : '(nothing recorded)'],
              ['actual', b.dv.a + ' ' + JSON.stringify(b.dv.ap)]
            ]));
            if (b.dv.d && b.dv.d.length) { panel.appendChild(diffTable(b.dv.d)); }
          }
          if (b.ev) {
            panel.appendChild(el('h3', null, 'Events the run produced'));
            panel.appendChild(timeline(b.ev, -1));
          }
        }
        var events = D.e[String(row[1])];
        if (row[2] === 0) {
          panel.appendChild(el('h3', null, 'Thread up to the decision point'));
          if (events) {
            panel.appendChild(timeline(events, row[4]));
          } else {
            panel.appendChild(el('p', 'hint', 'The timeline of this thread is not embedded; see results.json.'));
          }
        }
        if (x.x !== undefined) {
          panel.appendChild(el('h3', null, 'Context the model saw'));
          panel.appendChild(el('pre', null, x.x));
        }
        if (x.r !== undefined) {
          panel.appendChild(el('h3', null, 'Raw model response'));
          panel.appendChild(el('pre', null, show(x.r, true)));
        }
        if (x.o) {
          panel.appendChild(el('p', 'hint', 'Context and raw response are left out of this page to keep it small; see results.json.'));
        }
        if (row[7] === 0 && x.x === undefined) {
          panel.appendChild(el('p', 'hint', 'Context and raw response are kept for failing cases only.'));
        }
        var rows = $('case-rows').children;
        for (var i = 0; i < rows.length; i++) {
          rows[i].className = rows[i].dataset.index === String(index) ? 'selected' : '';
        }
      }

      function openFromHash() {
        var match = /(?:^#|&)case=([^&]*)/.exec(location.hash);
        if (!match) { return; }
        var wanted = decodeURIComponent(match[1]);
        var variantMatch = /&variant=([^&]*)/.exec(location.hash);
        var variant = variantMatch ? V.indexOf(decodeURIComponent(variantMatch[1])) : -1;
        for (var i = 0; i < C.length; i++) {
          if ((variant < 0 || C[i][0] === variant) && caseID(C[i]) === wanted) {
            var position = state.rows.indexOf(i);
            if (position < 0) {
              $('f-failed').checked = false; $('f-intent').value = ''; $('f-variant').value = '';
              $('f-mode').value = ''; $('f-text').value = '';
              filter();
              position = state.rows.indexOf(i);
            }
            state.page = Math.floor(position / PAGE);
            render();
            showCase(i);
            $('cases').scrollIntoView();
            return;
          }
        }
      }

      $('case-rows').addEventListener('click', function (event) {
        var tr = event.target.closest('tr');
        if (!tr || tr.dataset.index === undefined) { return; }
        var index = Number(tr.dataset.index);
        showCase(index);
        history.replaceState(null, '', '#case=' + encodeURIComponent(caseID(C[index])) +
          (V.length > 1 ? '&variant=' + encodeURIComponent(V[C[index][0]]) : ''));
      });
      ['f-failed', 'f-intent', 'f-variant', 'f-mode'].forEach(function (id) {
        $(id).addEventListener('change', filter);
      });
      var timer = null;
      $('f-text').addEventListener('input', function () {
        clearTimeout(timer);
        timer = setTimeout(filter, 150);
      });
      $('filters').addEventListener('submit', function (event) { event.preventDefault(); });
      window.addEventListener('hashchange', openFromHash);
      filter();
      if (state.rows.length === 0 && $('f-failed').checked) {
        $('f-failed').checked = false;
        filter();
      }
      openFromHash();
      document.body.dataset.rendered = 'ok';
    })();
    """#
}
