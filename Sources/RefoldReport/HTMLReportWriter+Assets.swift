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
    svg .point.current { stroke: var(--fg); stroke-width: 2; }
    svg .point.partial { fill: var(--bg); stroke: var(--muted); stroke-width: 1.5; }
    svg .current-label { font-weight: 600; }
    .timeline li.model-decision .verdict { margin-left: 8px; }
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
    .timeline .meta { color: var(--muted); font-size: 12px; overflow-wrap: anywhere; }
    .timeline .type { font-weight: 600; }
    .timeline .marker { color: var(--accent); font-weight: 700; margin-left: 6px; }
    .diff { width: 100%; table-layout: fixed; }
    .diff td, .diff th { font-size: 12px; overflow-wrap: anywhere; }
    .diff .expected { color: var(--ok); } .diff .actual { color: var(--bad); }
    .kv { display: grid; grid-template-columns: max-content 1fr; gap: 2px 12px; }
    .kv dt { color: var(--muted); } .kv dd { margin: 0; word-break: break-word; }
    .facts dd, .gate-banner li, h1, h2, h3, h4 { overflow-wrap: anywhere; min-width: 0; }
    .split > *, .trend-grid > figure { min-width: 0; max-width: 100%; }
    .cases thead button.sort { border: 0; background: none; padding: 0; font-weight: 600; }
    .cases tbody tr:focus { outline: 2px solid var(--accent); outline-offset: -2px; }
    .cases tbody tr.differs { background: rgba(191,135,0,.14); }
    .cases tbody tr.differs td.case-id { box-shadow: inset 4px 0 0 #bf8700; }
    .cases td.cell { padding: 2px 4px; }
    .cases td.cell-differs .cell-button { border-color: #bf8700; border-style: dashed; }
    .cell-button { display: flex; gap: 6px; align-items: center; width: 100%; text-align: left;
      border: 1px solid transparent; background: none; padding: 2px 4px; }
    .cell-button:hover, .cell-button:focus { border-color: var(--accent); }
    .cell-button.selected { background: var(--band); border-color: var(--accent); }
    .cell-button .decision { font-size: 12px; }
    .detail .close { float: right; }
    .variant-switch { display: flex; flex-wrap: wrap; gap: 6px; align-items: center; margin-bottom: 8px; }
    .variant-switch button.current { border-color: var(--accent); background: var(--band); }
    .timeline li.model-decision { border-left: 6px solid var(--accent); margin-left: 18px;
      background: var(--bg); padding: 4px 8px; }
    .calls { padding-left: 0; list-style: none; }
    .calls li { border-left: 4px solid var(--accent); margin: 4px 0; padding: 2px 8px; background: var(--bg); }
    .calls summary { cursor: pointer; display: flex; flex-wrap: wrap; gap: 6px; align-items: center; }
    .calls .call-step { color: var(--muted); font-size: 12px; }
    .mark { font-size: 11px; padding: 0 5px; border-radius: 6px; color: #fff; background: var(--bad); }
    .mark.retry { background: #9a6700; } .mark.escalation { background: #8250df; }
    .timeline .flag { margin-left: 6px; font-size: 11px; padding: 0 5px; border-radius: 6px;
      color: #fff; background: var(--bad); }
    .params tr.changed td { background: rgba(207,34,46,.12); }
    .params tr.accepted td.matcher, .params tr.same td.matcher { color: var(--muted); }
    .compare { border: 1px solid var(--line); border-radius: 8px; padding: 8px 10px; margin: 10px 0;
      background: var(--bg); }
    .compare-grid { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); gap: 10px; }
    .compare h4 { margin: 8px 0 4px; font-size: 13px; }
    .word-diff ins { background: rgba(46,160,67,.3); text-decoration: none; }
    .word-diff del { background: rgba(214,39,40,.3); }
    .detail .close { display: none; }
    .expected-inline { display: none; color: var(--muted); font-size: 12px; }
    @media (max-width: 1000px) {
      .detail { display: none; }
      .detail.open { display: block; position: fixed; inset: 0; z-index: 10; max-height: none;
        border-radius: 0; border: 0; padding: 12px 14px 40px; }
      .detail.open .close { display: inline-block; position: sticky; top: 0; z-index: 1; }
      body.detail-open { overflow: hidden; }
    }
    @media (max-width: 700px) {
      header { padding: 12px 14px 8px; } main { padding: 6px 12px 30px; }
      .overview, .trend-grid > figure { overflow-x: auto; }
      svg.rates, svg.trend { width: 620px; max-width: none; }
      .card { min-width: 0; flex: 1 1 140px; }
      .filters input[type=search] { min-width: 0; }
      .filters .grow { flex-basis: 100%; }
      .compare-grid { grid-template-columns: 1fr; }
      .cases td:first-child { min-width: 7em; max-width: 11em; }
      .cases .expected-col { display: none; }
      .cases .expected-inline { display: block; }
      .cell-button { flex-direction: column; align-items: flex-start; gap: 0; }
    }
    """

  /// The page's script: the case × variant matrix, search, filters, sorting, paging,
  /// keyboard navigation, the drill-down with its two-variant compare view, and the
  /// address (`#case=<id>&variant=<name>`, filters, sort, page) that reopens all of it.
  ///
  /// Text from the data block is only ever set through `textContent`.
  static let script = #"""
    (function () {
      'use strict';
      var PAGE = ROWS_PER_PAGE;
      var VERDICTS = ['pass', 'wrong_intent', 'wrong_parameters', 'invalid_output', 'source_error',
        'behaviour_failed', 'diverged'];
      var D = JSON.parse(document.getElementById('refold-data').textContent);
      var S = D.s, H = D.h, C = D.c, V = D.v, P = D.p || [], Q = D.q || [];
      var state = { page: 0, groups: [], selected: -1, sort: 0, direction: 1, compare: -1 };
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
      // Expected and actual parameters: a failing case's own, a passing case's from the table.
      function parameters(index) {
        var x = extra(C[index]), entry = Q[index] >= 0 ? P[Q[index]] : undefined;
        if (!entry) { return { expected: x.ep, actual: x.ap }; }
        return { expected: entry[0] === null ? undefined : entry[0],
          actual: entry[entry.length - 1] === null ? undefined : entry[entry.length - 1] };
      }
      function caseID(row) {
        var x = extra(row);
        if (x.i) { return x.i; }
        return row[2] === 1 ? H[row[1]] + '@loop' : H[row[1]] + '#' + row[3];
      }
      function actualName(row) {
        return row[6] >= 0 ? name(row[6]) : (row[2] === 1 ? '' : '(no intent)');
      }

      // The matrix: one group per case id, one cell (a case index or -1) per variant.
      var GROUPS = [], groupOf = new Array(C.length);
      (function () {
        var byID = {};
        for (var i = 0; i < C.length; i++) {
          var id = caseID(C[i]), group = byID[id];
          if (group === undefined) {
            group = { id: id, cells: [], first: i };
            for (var v = 0; v < V.length; v++) { group.cells.push(-1); }
            byID[id] = group;
            GROUPS.push(group);
          }
          if (group.cells[C[i][0]] < 0) { group.cells[C[i][0]] = i; }
          groupOf[i] = group;
        }
        GROUPS.forEach(function (group) {
          var seen = null, differs = false;
          group.cells.forEach(function (index) {
            var key = index < 0 ? 'absent' : C[index][7] + ' ' + C[index][6] +
              (extra(C[index]).df ? ' df' : '');
            if (seen === null) { seen = key; } else if (key !== seen) { differs = true; }
            if (index >= 0 && extra(C[index]).df) { differs = true; }
          });
          group.differs = V.length > 1 && differs;
        });
      })();

      var threadCache = {}, searchCache = new Array(C.length);
      function threadText(thread) {
        var text = threadCache[thread];
        if (text === undefined) {
          var events = D.e[String(thread)] || [], parts = [H[thread]];
          for (var i = 0; i < events.length; i++) {
            parts.push(name(events[i][1]), show(events[i][2]));
            if (events[i][4]) { parts.push(show(events[i][4])); }
          }
          text = parts.join(' ').toLowerCase();
          threadCache[thread] = text;
        }
        return text;
      }
      function searchText(index) {
        var text = searchCache[index];
        if (text === undefined) {
          var row = C[index], x = extra(row), parts = [caseID(row), name(row[5]), name(row[6]),
            VERDICTS[row[7]], x.f || '', x.rb || '', V[row[0]], show(x.ep), show(x.ap),
            Q[index] >= 0 && P[Q[index]] ? P[Q[index]].map(function (value) { return show(value); }).join(' ') : '', show(x.x),
            show(x.r), (x.ac || []).join(' ')];
          (x.d || []).forEach(function (entry) { parts.push(entry.join(' ')); });
          if (x.b) {
            (x.b.ck || []).forEach(function (check) { parts.push(check[0] + ' ' + check[2]); });
            (x.b.ev || []).forEach(function (event) { parts.push(name(event[1]), show(event[2])); });
            (x.b.mc || []).forEach(function (call) {
              parts.push(call.n || '', show(call.p), call.f || '', show(call.x), show(call.r));
            });
          }
          text = parts.join(' ').toLowerCase();
          searchCache[index] = text;
        }
        return text;
      }

      function cellMatches(index, filters) {
        var row = C[index];
        if (filters.failed && row[7] === 0) { return false; }
        if (filters.verdict >= 0 && row[7] !== filters.verdict) { return false; }
        if (filters.intent !== -2 && row[5] !== filters.intent && row[6] !== filters.intent) { return false; }
        if (filters.mode >= 0 && row[2] !== filters.mode) { return false; }
        if (filters.query !== '' && searchText(index).indexOf(filters.query) < 0 &&
          threadText(row[1]).indexOf(filters.query) < 0) { return false; }
        return true;
      }

      function visibleVariants() {
        var value = $('f-variant').value, list = [];
        for (var v = 0; v < V.length; v++) { if (value === '' || Number(value) === v) { list.push(v); } }
        return list;
      }

      function sortKey(group, column) {
        if (column === 0) { return group.id; }
        if (column === 1) { return name(C[group.first][5]); }
        var index = group.cells[column - 2];
        return index < 0 ? '~' : VERDICTS[C[index][7]] + ' ' + actualName(C[index]);
      }

      function filter(keepPage) {
        var intent = $('f-intent').value;
        var filters = {
          failed: $('f-failed').checked,
          verdict: $('f-verdict').value === '' ? -1 : Number($('f-verdict').value),
          intent: intent === '' ? -2 : S.indexOf(intent),
          mode: $('f-mode').value === '' ? -1 : Number($('f-mode').value),
          query: $('f-text').value.trim().toLowerCase()
        };
        var differsOnly = $('f-differs') ? $('f-differs').checked : false;
        var variants = visibleVariants();
        var groups = [];
        for (var g = 0; g < GROUPS.length; g++) {
          var group = GROUPS[g];
          if (differsOnly && !group.differs) { continue; }
          for (var k = 0; k < variants.length; k++) {
            var index = group.cells[variants[k]];
            if (index >= 0 && cellMatches(index, filters)) { groups.push(group); break; }
          }
        }
        if (state.sort > 0 || state.direction < 0) {
          var column = state.sort, direction = state.direction;
          groups.sort(function (a, b) {
            var left = sortKey(a, column), right = sortKey(b, column);
            return left < right ? -direction : (left > right ? direction : a.first - b.first);
          });
        }
        state.groups = groups;
        if (!keepPage) { state.page = 0; }
        render();
      }

      function verdictBadge(index) {
        return el('span', 'verdict ' + (index === 0 ? 'pass' : 'fail'), VERDICTS[index]);
      }

      function header(variants) {
        var head = $('case-head');
        head.textContent = '';
        var tr = el('tr');
        var titles = ['case', 'expected'];
        variants.forEach(function (v) { titles.push(V.length > 1 ? V[v] : 'actual · verdict'); });
        titles.forEach(function (title, position) {
          var column = position < 2 ? position : variants[position - 2] + 2;
          var th = el('th', position >= 2 ? 'variant-col' : (position === 1 ? 'expected-col' : null));
          var button = el('button', 'sort', title);
          button.type = 'button';
          button.dataset.column = String(column);
          if (state.sort === column) {
            th.setAttribute('aria-sort', state.direction > 0 ? 'ascending' : 'descending');
            button.appendChild(el('span', 'arrow', state.direction > 0 ? ' ▲' : ' ▼'));
          }
          th.appendChild(button);
          tr.appendChild(th);
        });
        head.appendChild(tr);
      }

      function pager(node, pages, start, end) {
        node.textContent = '';
        var previous = el('button', null, '‹ previous');
        previous.type = 'button';
        previous.disabled = state.page === 0;
        previous.onclick = function () { state.page--; render(); writeHash(); };
        var next = el('button', null, 'next ›');
        next.type = 'button';
        next.disabled = state.page >= pages - 1;
        next.onclick = function () { state.page++; render(); writeHash(); };
        node.appendChild(previous);
        node.appendChild(el('span', 'count', state.groups.length === 0 ? 'no cases match' :
          (start + 1) + '–' + end + ' of ' + state.groups.length + ' cases (' + GROUPS.length +
          ' in the run)'));
        node.appendChild(next);
      }

      function render() {
        var variants = visibleVariants();
        header(variants);
        var body = $('case-rows');
        body.textContent = '';
        var pages = Math.max(1, Math.ceil(state.groups.length / PAGE));
        if (state.page >= pages) { state.page = pages - 1; }
        if (state.page < 0) { state.page = 0; }
        var start = state.page * PAGE;
        var end = Math.min(state.groups.length, start + PAGE);
        var fragment = document.createDocumentFragment();
        for (var k = start; k < end; k++) {
          var group = state.groups[k];
          var tr = el('tr', group.differs ? 'differs' : null);
          tr.tabIndex = 0;
          tr.dataset.group = String(k);
          var idCell = el('td', 'case-id', group.id);
          idCell.appendChild(el('span', 'expected-inline', 'expected ' + name(C[group.first][5])));
          tr.appendChild(idCell);
          tr.appendChild(el('td', 'expected-col', name(C[group.first][5])));
          var reference = -1;
          group.cells.forEach(function (cell) { if (reference < 0 && cell >= 0) { reference = cell; } });
          variants.forEach(function (v) {
            var index = group.cells[v], td = el('td', 'cell');
            if (V.length > 1 && index >= 0 && index !== reference &&
              (C[index][7] !== C[reference][7] || C[index][6] !== C[reference][6])) {
              td.className += ' cell-differs';
              td.title = 'decided differently from ' + V[C[reference][0]];
            }
            if (index < 0) {
              td.appendChild(el('span', 'hint', '(not run)'));
            } else {
              var button = el('button', 'cell-button');
              button.type = 'button';
              button.dataset.index = String(index);
              if (index === state.selected) { button.className += ' selected'; }
              button.appendChild(verdictBadge(C[index][7]));
              button.appendChild(el('span', 'decision', actualName(C[index])));
              td.appendChild(button);
            }
            tr.appendChild(td);
          });
          fragment.appendChild(tr);
        }
        body.appendChild(fragment);
        pager($('pager'), pages, start, end);
        pager($('pager-bottom'), pages, start, end);
      }

      function kindOf(type) {
        if (['slack_message', 'user_input', 'email', 'webhook', 'human_response', 'approval']
          .indexOf(type) >= 0) { return 'input'; }
        if (type === 'error') { return 'error'; }
        if (/_result$/.test(type) || type === 'tool_response') { return 'result'; }
        return 'decision';
      }

      function timeline(events, markSeq, decision) {
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
          if (type === 'error') { line.appendChild(el('span', 'flag', 'error')); }
          if (event[4] && event[4].escalation) { line.appendChild(el('span', 'flag', 'escalation')); }
          item.appendChild(line);
          item.appendChild(el('pre', null, show(event[2])));
          if (event[4]) { item.appendChild(el('div', 'meta', 'meta ' + JSON.stringify(event[4]))); }
          list.appendChild(item);
          if (event[0] === markSeq && decision) {
            var chosen = el('li', 'model-decision');
            var head = el('div');
            head.appendChild(el('span', 'type', 'model chose: ' + decision.name));
            head.appendChild(verdictBadge(decision.verdict));
            chosen.appendChild(head);
            if (decision.parameters !== undefined) { chosen.appendChild(el('pre', null, show(decision.parameters))); }
            list.appendChild(chosen);
          }
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

      function scrollBox(node) { var box = el('div', 'scroll'); box.appendChild(node); return box; }

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
          tr.appendChild(el('td', 'matcher', entry[3]));
          tr.appendChild(el('td', null, entry[4]));
          table.appendChild(tr);
        });
        return scrollBox(table);
      }

      // Expected against actual parameters, one row per top-level key; rows a matcher rejected
      // are marked with that matcher.
      function parameterTable(expected, actual, diff, compared) {
        var plain = function (value) {
          return value && typeof value === 'object' && !Array.isArray(value) && value['~'] === undefined;
        };
        if (!plain(expected) || !plain(actual)) { return null; }
        var keys = Object.keys(expected);
        Object.keys(actual).forEach(function (key) { if (keys.indexOf(key) < 0) { keys.push(key); } });
        var table = el('table', 'diff params');
        var head = el('tr');
        ['parameter', 'expected', 'actual', 'decided by'].forEach(function (title) {
          head.appendChild(el('th', null, title));
        });
        table.appendChild(head);
        keys.forEach(function (key) {
          var entry = null;
          (diff || []).forEach(function (d) {
            if (d[0] === key || d[0].indexOf(key + '.') === 0 || d[0].indexOf(key + '[') === 0 || d[0] === '$') { entry = entry || d; }
          });
          var same = JSON.stringify(expected[key]) === JSON.stringify(actual[key]);
          var tr = el('tr', entry ? 'changed' : (same ? 'same' : 'accepted'));
          tr.appendChild(el('td', null, key));
          tr.appendChild(el('td', 'expected', key in expected ? show(expected[key]) : '(absent)'));
          tr.appendChild(el('td', 'actual', key in actual ? show(actual[key]) : '(absent)'));
          tr.appendChild(el('td', 'matcher', !compared ? 'not compared (intent differs)' :
            (entry ? entry[3] + ' ✗' : (same ? 'equal' : 'accepted by its matcher'))));
          table.appendChild(tr);
        });
        return scrollBox(table);
      }

      // A word-level diff of two texts: common prefix and suffix first, then a longest common
      // subsequence over the words between (or whole lines when that is too large).
      function wordDiff(left, right) {
        var a = left.split(/(\s+)/), b = right.split(/(\s+)/);
        var head = 0;
        while (head < a.length && head < b.length && a[head] === b[head]) { head++; }
        var tail = 0;
        while (tail < a.length - head && tail < b.length - head &&
          a[a.length - 1 - tail] === b[b.length - 1 - tail]) { tail++; }
        var x = a.slice(head, a.length - tail), y = b.slice(head, b.length - tail);
        var parts = [];
        if (head > 0) { parts.push(['=', a.slice(0, head).join('')]); }
        if (x.length * y.length > 4000000) {
          if (x.length) { parts.push(['-', x.join('')]); }
          if (y.length) { parts.push(['+', y.join('')]); }
        } else {
          var n = x.length, m = y.length, table = new Uint32Array((n + 1) * (m + 1));
          for (var i = n - 1; i >= 0; i--) {
            for (var j = m - 1; j >= 0; j--) {
              table[i * (m + 1) + j] = x[i] === y[j] ? table[(i + 1) * (m + 1) + j + 1] + 1 :
                Math.max(table[(i + 1) * (m + 1) + j], table[i * (m + 1) + j + 1]);
            }
          }
          var p = 0, q = 0;
          var push = function (kind, text) {
            if (parts.length && parts[parts.length - 1][0] === kind) { parts[parts.length - 1][1] += text; }
            else { parts.push([kind, text]); }
          };
          while (p < n || q < m) {
            if (p < n && q < m && x[p] === y[q]) { push('=', x[p]); p++; q++; }
            else if (q < m && (p === n || table[p * (m + 1) + q + 1] >= table[(p + 1) * (m + 1) + q])) { push('+', y[q]); q++; }
            else { push('-', x[p]); p++; }
          }
        }
        if (tail > 0) { parts.push(['=', a.slice(a.length - tail).join('')]); }
        return parts;
      }

      function diffView(left, right) {
        var pre = el('pre', 'word-diff');
        wordDiff(left, right).forEach(function (part) {
          pre.appendChild(el(part[0] === '=' ? 'span' : (part[0] === '+' ? 'ins' : 'del'), null, part[1]));
        });
        return pre;
      }

      function compareView(index, other) {
        var box = el('div', 'compare');
        box.id = 'compare';
        var a = C[index], b = C[other], xa = extra(a), xb = extra(b);
        box.appendChild(el('h3', null, 'Compare ' + V[a[0]] + ' → ' + V[b[0]]));
        var grid = el('div', 'compare-grid');
        [a, b].forEach(function (row) {
          var column = el('div', 'compare-col');
          column.appendChild(el('h4', null, V[row[0]]));
          var badge = el('p');
          badge.appendChild(verdictBadge(row[7]));
          badge.appendChild(el('span', 'decision', ' ' + actualName(row)));
          column.appendChild(badge);
          column.appendChild(el('pre', null, show(extra(row).ap)));
          grid.appendChild(column);
        });
        box.appendChild(grid);
        box.appendChild(el('h4', null, 'Context the model saw (word diff; deleted in ' + V[a[0]] +
          ', inserted in ' + V[b[0]] + ')'));
        if (xa.x !== undefined && xb.x !== undefined) { box.appendChild(diffView(xa.x, xb.x)); }
        else { box.appendChild(el('p', 'hint', 'A context is not embedded for one side; see results.json.')); }
        box.appendChild(el('h4', null, 'Raw model response (word diff)'));
        if (xa.r !== undefined && xb.r !== undefined) {
          box.appendChild(diffView(show(xa.r, true), show(xb.r, true)));
        } else { box.appendChild(el('p', 'hint', 'A raw response is not embedded for one side; see results.json.')); }
        return box;
      }

      // A loop run's model calls, one entry each: the decision with its retry and escalation
      // marks; opened, the context that call saw and its raw answer.
      function modelCalls(calls) {
        var box = el('div', 'model-calls');
        box.id = 'model-calls';
        box.appendChild(el('h3', null, 'Model calls (' + calls.length + ')'));
        var list = el('ol', 'calls');
        calls.forEach(function (call, k) {
          var item = el('li', 'call'), details = el('details'), summary = el('summary');
          details.dataset.step = String(call.s);
          summary.appendChild(el('span', 'call-step', 'call ' + (k + 1) + ' · seq ' + call.q));
          summary.appendChild(el('span', 'decision', call.n !== undefined ? call.n : '(no intent)'));
          if (call.f !== undefined) { summary.appendChild(el('span', 'mark error', 'invalid output')); }
          if (call.rb && call.rb !== 'escalated') { summary.appendChild(el('span', 'mark retry', call.rb.replace('_', ' '))); }
          if (call.or) { summary.appendChild(el('span', 'mark error', 'over the error cap')); }
          if (call.es) { summary.appendChild(el('span', 'mark escalation', 'escalation')); }
          details.appendChild(summary);
          if (call.p !== undefined) { details.appendChild(el('pre', 'actual', show(call.p, true))); }
          if (call.f !== undefined) { details.appendChild(el('pre', 'failure', call.f)); }
          if (call.x !== undefined) {
            details.appendChild(el('h4', null, 'Context this call saw'));
            details.appendChild(el('pre', 'call-context', call.x));
          }
          if (call.r !== undefined) {
            details.appendChild(el('h4', null, 'Raw answer'));
            details.appendChild(el('pre', 'call-answer', show(call.r, true)));
          }
          if (call.o) {
            details.appendChild(el('p', 'hint', 'Context and raw answer are left out to keep the run small; see results.json.'));
          } else if (call.x === undefined && call.r === undefined) {
            details.appendChild(el('p', 'hint', 'Contexts and raw answers are kept for runs that did not pass.'));
          }
          item.appendChild(details);
          list.appendChild(item);
        });
        box.appendChild(list);
        return box;
      }

      function showCase(index, focus) {
        var row = C[index], x = extra(row), panel = $('detail');
        state.selected = index;
        panel.textContent = '';
        var close = el('button', 'close', '✕ close');
        close.type = 'button';
        close.id = 'detail-close';
        close.onclick = closeCase;
        panel.appendChild(close);
        var id = caseID(row);
        panel.appendChild(el('h2', null, id));
        var badge = el('p');
        badge.appendChild(verdictBadge(row[7]));
        panel.appendChild(badge);
        var group = groupOf[index];
        if (V.length > 1) {
          var others = el('div', 'variant-switch');
          others.appendChild(el('span', 'hint', 'variants: '));
          group.cells.forEach(function (cell, v) {
            if (cell < 0) { return; }
            var button = el('button', cell === index ? 'current' : null, V[v] + ' · ' + VERDICTS[C[cell][7]]);
            button.type = 'button';
            button.onclick = function () { openCase(cell); };
            others.appendChild(button);
            if (cell !== index) {
              var compare = el('button', 'compare-button', 'compare with ' + V[v]);
              compare.type = 'button';
              compare.dataset.other = String(cell);
              compare.onclick = function () { state.compare = cell; showCase(index); writeHash(); };
              others.appendChild(compare);
            }
          });
          panel.appendChild(others);
        }
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
        if (state.compare >= 0 && state.compare !== index && groupOf[state.compare] === group) {
          panel.appendChild(compareView(index, state.compare));
        } else { state.compare = -1; }
        var given = parameters(index);
        if (given.expected !== undefined || given.actual !== undefined) {
          panel.appendChild(el('h3', null, 'Parameters: expected against actual'));
          var table = parameterTable(given.expected, given.actual, x.d, row[5] === row[6] || (x.ac || []).indexOf(name(row[6])) >= 0);
          if (table) { panel.appendChild(table); } else {
            panel.appendChild(el('pre', 'expected', 'expected ' + (given.expected !== undefined ? show(given.expected) : '(none)')));
            panel.appendChild(el('pre', 'actual', 'actual ' + (given.actual !== undefined ? show(given.actual) : '(none)')));
          }
        }
        if (x.d) {
          panel.appendChild(el('h3', null, 'Parameter diff'));
          panel.appendChild(diffTable(x.d));
        }
        if (x.jd) {
          panel.appendChild(el('h3', null, 'Judged parameters'));
          var judged = el('ul');
          x.jd.forEach(function (entry) {
            judged.appendChild(el('li', null, (entry[2] ? '✓ ' : '✗ ') + entry[0] + ' [' + entry[1] + '] ' + entry[3]));
          });
          panel.appendChild(judged);
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
          if (b.mc && b.mc.length) { panel.appendChild(modelCalls(b.mc)); }
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
            panel.appendChild(timeline(events, row[4],
              { name: actualName(row), verdict: row[7], parameters: parameters(index).actual }));
          } else {
            panel.appendChild(el('p', 'hint', 'The timeline of this thread is not embedded; see results.json.'));
          }
        }
        // A loop run whose calls carry their own contexts shows them there, not the last one again.
        var perCall = !!(x.b && x.b.mc && x.b.mc.some(function (call) { return call.x !== undefined || call.r !== undefined; }));
        if (x.x !== undefined && !perCall) {
          panel.appendChild(el('h3', null, row[2] === 1 ? 'Context of the last model call' : 'Context the model saw'));
          panel.appendChild(el('pre', null, x.x));
        }
        if (x.r !== undefined && !perCall) {
          panel.appendChild(el('h3', null, row[2] === 1 ? 'Raw answer of the last model call' : 'Raw model response'));
          panel.appendChild(el('pre', null, show(x.r, true)));
        }
        if (x.o) {
          panel.appendChild(el('p', 'hint', 'Context and raw response are left out of this page to keep it small; see results.json.'));
        }
        if (row[7] === 0 && x.x === undefined && !x.df) {
          panel.appendChild(el('p', 'hint', 'Context and raw response are kept for failing cases and cases the variants decided differently.'));
        }
        var buttons = $('case-rows').querySelectorAll('.cell-button');
        for (var i = 0; i < buttons.length; i++) {
          buttons[i].className = 'cell-button' + (buttons[i].dataset.index === String(index) ? ' selected' : '');
        }
        document.body.classList.add('detail-open');
        panel.classList.add('open');
        if (focus !== false) { panel.scrollTop = 0; }
      }

      function closeCase() {
        state.selected = -1;
        state.compare = -1;
        document.body.classList.remove('detail-open');
        $('detail').classList.remove('open');
        writeHash();
      }

      function openCase(index) {
        state.compare = state.compare >= 0 && groupOf[state.compare] === groupOf[index] &&
          state.compare !== index ? state.compare : -1;
        showCase(index);
        writeHash();
      }

      var FILTERS = [['failed', 'f-failed'], ['differs', 'f-differs'], ['verdict', 'f-verdict'],
        ['intent', 'f-intent'], ['v', 'f-variant'], ['mode', 'f-mode'], ['q', 'f-text']];
      function writeHash() {
        var parts = [];
        if (state.selected >= 0) {
          parts.push('case=' + encodeURIComponent(caseID(C[state.selected])));
          if (V.length > 1) { parts.push('variant=' + encodeURIComponent(V[C[state.selected][0]])); }
          if (state.compare >= 0) { parts.push('compare=' + encodeURIComponent(V[C[state.compare][0]])); }
        }
        FILTERS.forEach(function (pair) {
          var node = $(pair[1]);
          if (!node) { return; }
          if (node.type === 'checkbox') {
            if (node.checked !== node.defaultChecked) { parts.push(pair[0] + '=' + (node.checked ? '1' : '0')); }
          } else if (node.value !== '') { parts.push(pair[0] + '=' + encodeURIComponent(node.value)); }
        });
        if (state.sort !== 0 || state.direction !== 1) { parts.push('sort=' + state.sort + (state.direction < 0 ? '-' : '')); }
        if (state.page > 0) { parts.push('page=' + (state.page + 1)); }
        var hash = parts.length ? '#' + parts.join('&') : location.pathname + location.search;
        if (hash !== location.hash) { history.replaceState(null, '', hash); }
      }

      function readHash() {
        var params = {};
        location.hash.replace(/^#/, '').split('&').forEach(function (part) {
          if (!part) { return; }
          var at = part.indexOf('=');
          var key = at < 0 ? part : part.slice(0, at);
          try { params[key] = at < 0 ? '' : decodeURIComponent(part.slice(at + 1)); } catch (error) { params[key] = ''; }
        });
        return params;
      }

      function applyHash() {
        var params = readHash();
        FILTERS.forEach(function (pair) {
          var node = $(pair[1]);
          if (!node) { return; }
          if (node.type === 'checkbox') {
            node.checked = params[pair[0]] === undefined ? node.defaultChecked : params[pair[0]] === '1';
          } else { node.value = params[pair[0]] === undefined ? '' : params[pair[0]]; }
        });
        if (params.sort) {
          state.sort = parseInt(params.sort, 10) || 0;
          state.direction = /-$/.test(params.sort) ? -1 : 1;
        }
        filter();
        if (state.groups.length === 0 && params.failed === undefined && $('f-failed').checked) {
          $('f-failed').checked = false;
          filter();
        }
        if (params.page) { state.page = Math.max(0, (parseInt(params.page, 10) || 1) - 1); render(); }
        if (params['case'] === undefined) { return; }
        var variant = params.variant !== undefined ? V.indexOf(params.variant) : -1;
        var wanted = params['case'];
        for (var i = 0; i < C.length; i++) {
          if ((variant < 0 || C[i][0] === variant) && caseID(C[i]) === wanted) {
            var position = state.groups.indexOf(groupOf[i]);
            if (position < 0) {
              FILTERS.forEach(function (pair) {
                var node = $(pair[1]);
                if (node) { if (node.type === 'checkbox') { node.checked = false; } else { node.value = ''; } }
              });
              filter();
              position = state.groups.indexOf(groupOf[i]);
            }
            state.page = Math.floor(position / PAGE);
            render();
            state.compare = params.compare !== undefined ? groupOf[i].cells[V.indexOf(params.compare)] : -1;
            if (state.compare === undefined) { state.compare = -1; }
            showCase(i);
            $('cases').scrollIntoView();
            return;
          }
        }
      }

      $('case-rows').addEventListener('click', function (event) {
        var button = event.target.closest('.cell-button');
        if (button) { openCase(Number(button.dataset.index)); return; }
        var tr = event.target.closest('tr');
        if (tr && tr.dataset.group !== undefined) { openGroup(state.groups[Number(tr.dataset.group)]); }
      });
      function openGroup(group) {
        var chosen = -1;
        visibleVariants().forEach(function (v) {
          var index = group.cells[v];
          if (index >= 0 && (chosen < 0 || (C[chosen][7] === 0 && C[index][7] !== 0))) { chosen = index; }
        });
        if (chosen >= 0) { openCase(chosen); }
      }
      $('case-rows').addEventListener('keydown', function (event) {
        var tr = event.target.closest('tr');
        if (!tr) { return; }
        if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
          event.preventDefault();
          var next = event.key === 'ArrowDown' ? tr.nextElementSibling : tr.previousElementSibling;
          if (next) { next.focus(); }
          else if (event.key === 'ArrowDown' && state.page < Math.ceil(state.groups.length / PAGE) - 1) {
            state.page++; render(); writeHash(); $('case-rows').firstElementChild.focus();
          } else if (event.key === 'ArrowUp' && state.page > 0) {
            state.page--; render(); writeHash(); $('case-rows').lastElementChild.focus();
          }
        } else if (event.key === 'Enter' && event.target === tr) {
          event.preventDefault();
          openGroup(state.groups[Number(tr.dataset.group)]);
        }
      });
      $('case-head').addEventListener('click', function (event) {
        var button = event.target.closest('button.sort');
        if (!button) { return; }
        var column = Number(button.dataset.column);
        state.direction = state.sort === column ? -state.direction : 1;
        state.sort = column;
        filter();
        writeHash();
      });
      document.addEventListener('keydown', function (event) {
        if (event.key === 'Escape' && state.selected >= 0) { closeCase(); }
      });
      var changed = function () { filter(); writeHash(); };
      ['f-failed', 'f-differs', 'f-verdict', 'f-intent', 'f-variant', 'f-mode'].forEach(function (id) {
        if ($(id)) { $(id).addEventListener('change', changed); }
      });
      var timer = null;
      $('f-text').addEventListener('input', function () {
        clearTimeout(timer);
        timer = setTimeout(changed, 150);
      });
      $('filters').addEventListener('submit', function (event) { event.preventDefault(); });
      window.addEventListener('hashchange', applyHash);
      applyHash();
      document.body.dataset.rendered = 'ok';
    })();
    """#
}
