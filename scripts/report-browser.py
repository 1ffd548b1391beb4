#!/usr/bin/env python3
"""Drives a Refold report.html in headless Chromium through the DevTools protocol.

Usage: report-browser.py CHROMIUM REPORT.html OUT_DIR

Opens the page at 1400 px and at 390 px (a phone), checks the header's run scope and that
the trend draws exactly the ad-hoc runs hollow, opens a case from the case matrix, opens
the two-variant compare view (when the page has several variants), opens a loop run's model
calls (each with its own context and raw answer, retries and escalations marked), searches
thread text, finds a passing case by a parameter value, filters by verdict, walks the rows
with the keyboard, and checks that the page does not overflow horizontally at 390 px and
that the drill-down is an overlay there. Saves wide.png, wide-case.png, wide-loop.png,
phone.png and phone-case.png, dom.html, case-dom.html (and
comparison.png and comparison-dom.html when comparison.html sits beside the report) and
console.log. Prints one FAIL line per problem and exits 1 on any: a script error or console
error, a dialog (alert) opened, a planted element, or a step that did not work.

The browser is spoken to over --remote-debugging-pipe (file descriptors 3 and 4, messages
separated by NUL bytes), so only the Python standard library is needed.
"""
import base64
import json
import os
import subprocess
import sys
import time


class Browser:
    """One headless Chromium and one page in it."""

    def __init__(self, executable, profile):
        to_browser_read, self.to_browser = os.pipe()
        self.from_browser, from_browser_write = os.pipe()

        def wire():
            # Copies first, so that neither end is overwritten by the other's dup2.
            commands, replies = os.dup(to_browser_read), os.dup(from_browser_write)
            os.dup2(commands, 3)
            os.dup2(replies, 4)

        self.process = subprocess.Popen(
            [executable, "--headless", "--disable-gpu", "--no-sandbox", "--no-first-run",
             "--disable-extensions", "--disable-background-networking", "--hide-scrollbars",
             "--remote-debugging-pipe", "--user-data-dir=" + profile, "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            preexec_fn=wire, close_fds=False)
        os.close(to_browser_read)
        os.close(from_browser_write)
        self.buffer = b""
        self.next_id = 0
        self.events = []
        self.session = None
        target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.session = self.call(
            "Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Page", "Runtime", "Log"):
            self.call(domain + ".enable")

    def read_message(self, deadline):
        while b"\0" not in self.buffer:
            if time.time() > deadline:
                raise TimeoutError("the browser did not answer in time")
            chunk = os.read(self.from_browser, 1 << 20)
            if not chunk:
                raise RuntimeError("the browser closed the DevTools pipe")
            self.buffer += chunk
        message, self.buffer = self.buffer.split(b"\0", 1)
        return json.loads(message)

    def call(self, method, params=None, timeout=30):
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params or {}}
        if self.session and not method.startswith("Target."):
            message["sessionId"] = self.session
        os.write(self.to_browser, json.dumps(message).encode() + b"\0")
        deadline = time.time() + timeout
        while True:
            reply = self.read_message(deadline)
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise RuntimeError(method + ": " + reply["error"].get("message", ""))
                return reply.get("result", {})
            if "method" in reply:
                self.events.append(reply)

    def wait_for(self, method, timeout=30):
        deadline = time.time() + timeout
        for index, event in enumerate(self.events):
            if event["method"] == method:
                del self.events[index]
                return event
        while True:
            reply = self.read_message(deadline)
            if reply.get("method") == method:
                return reply
            if "method" in reply:
                self.events.append(reply)

    def evaluate(self, expression):
        result = self.call("Runtime.evaluate", {
            "expression": expression, "returnByValue": True, "awaitPromise": True})
        if "exceptionDetails" in result:
            raise RuntimeError("evaluating %s: %s" % (
                expression[:60], result["exceptionDetails"].get("text", "")))
        return result["result"].get("value")

    def viewport(self, width, height, mobile):
        self.call("Emulation.setDeviceMetricsOverride", {
            "width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile})

    def open(self, url):
        self.events = [e for e in self.events if e["method"] != "Page.loadEventFired"]
        self.call("Page.navigate", {"url": url})
        self.wait_for("Page.loadEventFired")

    def screenshot(self, path, full_page=True):
        params = {"format": "png"}
        if full_page:
            metrics = self.call("Page.getLayoutMetrics")
            size = metrics.get("cssContentSize") or metrics["contentSize"]
            params["captureBeyondViewport"] = True
            params["clip"] = {"x": 0, "y": 0, "width": size["width"],
                              "height": min(size["height"], 12000), "scale": 1}
        data = self.call("Page.captureScreenshot", params, timeout=60)["data"]
        with open(path, "wb") as file:
            file.write(base64.b64decode(data))

    def key(self, key, code, key_code):
        for kind in ("keyDown", "keyUp"):
            self.call("Input.dispatchKeyEvent", {
                "type": kind, "key": key, "code": code, "windowsVirtualKeyCode": key_code})

    def close(self):
        try:
            self.call("Browser.close", timeout=5)
        except Exception:
            pass
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()


PLANTED = """(() => {
  const found = [];
  if (document.getElementById('pwned')) found.push('a planted element (#pwned) exists');
  if (document.title.indexOf('PWNED') === 0) found.push('a planted script set the title');
  if (document.querySelector('img[onerror]')) found.push('a planted <img onerror> is live');
  if (document.querySelectorAll('script').length !== 2) found.push('the page has ' +
    document.querySelectorAll('script').length + ' script elements, not 2');
  return found;
})()"""

# The first loop run whose model calls all carry their context, with its address and marks.
LOOP_CASE = """(() => {
  const data = JSON.parse(document.getElementById('refold-data').textContent);
  const row = data.c.find(r => r[2] === 1 && r.length > 8 && r[8].b && r[8].b.mc &&
    r[8].b.mc.length > 1 && r[8].b.mc.every(c => c.x !== undefined && c.r !== undefined) &&
    new Set(r[8].b.mc.map(c => c.x)).size > 1);
  if (!row) return null;
  const calls = row[8].b.mc, id = row[8].i || data.h[row[1]] + '@loop';
  return {id: id, contexts: calls.map(c => c.x),
    retries: calls.filter(c => c.rb && c.rb !== 'escalated').length,
    escalations: calls.filter(c => c.es).length,
    hash: '#case=' + encodeURIComponent(id) +
      (data.v.length > 1 ? '&variant=' + encodeURIComponent(data.v[row[0]]) : '')};
})()"""

# A passing case and a string value of its parameters, preferring a value its thread's events
# do not hold.
PASSING_PARAMETER = """(() => {
  const data = JSON.parse(document.getElementById('refold-data').textContent);
  const P = data.p || [], Q = data.q || [];
  let fallback = null;
  for (let k = 0; k < data.c.length; k++) {
    const row = data.c[k];
    if (row[7] !== 0) continue;
    const values = [], x = row.length > 8 ? row[8] : {};
    const walk = v => { if (typeof v === 'string') values.push(v);
      else if (v && typeof v === 'object' && !('~' in v)) Object.values(v).forEach(walk); };
    // The parameter table holds a passing case's parameters; one the variants decided
    // differently keeps its own (ep, ap).
    if (Q[k] >= 0 && P[Q[k]]) P[Q[k]].forEach(walk);
    walk(x.ep); walk(x.ap);
    const thread = (data.e[String(row[1])] || []).map(e => JSON.stringify(e[2])).join(' ').toLowerCase();
    const id = (row.length > 8 && row[8].i) ||
      (row[2] === 1 ? data.h[row[1]] + '@loop' : data.h[row[1]] + '#' + row[3]);
    for (const value of values) {
      if (value.length < 4 || value.length > 200) continue;
      const candidate = {term: value, id: id, onlyParameters: thread.indexOf(value.toLowerCase()) < 0};
      if (candidate.onlyParameters) return candidate;
      fallback = fallback || candidate;
    }
  }
  return fallback;
})()"""

SCOPE = """(() => {
  const points = [...document.querySelectorAll('svg.trend circle.point')];
  const scoped = points.filter(p => p.dataset.scope);
  const adhoc = scoped.filter(p => p.dataset.scope !== 'suite');
  const fact = [...document.querySelectorAll('header .facts div')]
    .find(d => d.querySelector('dt').textContent === 'scope');
  return {points: points.length, scoped: scoped.length, adhoc: adhoc.length,
    wrong: scoped.filter(p => (p.dataset.scope !== 'suite') !== p.classList.contains('partial'))
      .map(p => p.dataset.scope + ': ' + p.getAttribute('class')),
    untitled: adhoc.filter(p => p.querySelector('title').textContent.indexOf('ad-hoc run') < 0).length,
    header: fact ? fact.querySelector('dd').textContent : null};
})()"""

SETTLE = "new Promise(resolve => setTimeout(resolve, 400))"


def main():
    executable, report, out = sys.argv[1], os.path.abspath(sys.argv[2]), sys.argv[3]
    os.makedirs(out, exist_ok=True)
    url = "file://" + report
    failures = []
    browser = Browser(executable, os.path.join(out, "profile"))

    def check(condition, message):
        if not condition:
            failures.append(message)
            print("FAIL: " + message)
        return condition

    def settle():
        browser.evaluate(SETTLE)

    try:
        browser.viewport(1400, 1000, False)
        browser.open(url)
        settle()
        rendered = browser.evaluate("document.body.dataset.rendered || ''")
        check(rendered == "ok", "the page's script did not finish rendering (no data-rendered=\"ok\")")
        variants = browser.evaluate("JSON.parse(document.getElementById('refold-data').textContent).v.length")
        with open(os.path.join(out, "dom.html"), "w", encoding="utf-8") as file:
            file.write(browser.evaluate("document.documentElement.outerHTML"))
        browser.screenshot(os.path.join(out, "wide.png"))
        for problem in browser.evaluate(PLANTED):
            check(False, problem)

        # The run record's scope: the header says whether this run covers the whole suite, and
        # every trend point that carries a scope is hollow (off the lines) exactly when it is
        # ad hoc, with a title saying so.
        scope = browser.evaluate(SCOPE)
        check(scope["header"] is not None, "the header does not say the run's scope")
        check(scope["scoped"] > 0, "no trend point carries its run's scope")
        check(scope["wrong"] == [], "trend points drawn against their scope: %s" % scope["wrong"])
        check(scope["untitled"] == 0, "%d ad-hoc trend points do not say so" % scope["untitled"])
        print("scope: %s; trend: %d points, %d with a scope, %d ad hoc" % (
            scope["header"], scope["points"], scope["scoped"], scope["adhoc"]))

        # Open a case from the matrix: the first failing cell.
        browser.evaluate("""(() => { const f = document.getElementById('f-failed');
          if (f.checked) { f.click(); } })()""")
        settle()
        rows = browser.evaluate("document.querySelectorAll('#case-rows tr').length")
        check(rows > 0, "the case matrix has no rows")
        columns = browser.evaluate("document.querySelectorAll('#case-head th.variant-col').length")
        check(columns == variants, "the matrix has %s variant columns for %s variants" % (columns, variants))
        opened = browser.evaluate("""(() => {
          const cell = [...document.querySelectorAll('#case-rows .cell-button')]
            .find(b => b.querySelector('.verdict.fail')) ||
            document.querySelector('#case-rows .cell-button');
          if (!cell) return '';
          cell.click();
          return cell.dataset.index; })()""")
        check(bool(opened), "no cell of the matrix could be clicked")
        if opened:
            detail = browser.evaluate("""({kv: !!document.querySelector('#detail.open .kv'),
              hash: location.hash})""")
            check(detail["kv"], "clicking a matrix cell did not open the drill-down")
            check("case=" in detail["hash"], "the open case is not in the address (%s)" % detail["hash"])
            if variants > 1:
                check("variant=" in detail["hash"], "the open case's variant is not in the address")
                compared = browser.evaluate("""(() => {
                  const button = document.querySelector('#detail .compare-button');
                  if (!button) return 'no compare button';
                  button.click();
                  const view = document.getElementById('compare');
                  if (!view) return 'no compare view';
                  if (!view.querySelector('.compare-grid .compare-col + .compare-col')) return 'no two columns';
                  return 'ok'; })()""")
                check(compared == "ok", "the two-variant compare view did not open: " + str(compared))
                check("compare=" in browser.evaluate("location.hash"), "the compare view is not in the address")
            with open(os.path.join(out, "case-dom.html"), "w", encoding="utf-8") as file:
                file.write(browser.evaluate("document.documentElement.outerHTML"))
            browser.screenshot(os.path.join(out, "wide-case.png"))
            # The address reopens the case.
            hash_now = browser.evaluate("location.hash")
            browser.open("about:blank")
            browser.open(url + hash_now)
            settle()
            check(browser.evaluate("!!document.querySelector('#detail.open .kv')"),
                  "reloading the address %s did not reopen the case" % hash_now)
            browser.evaluate("document.getElementById('detail-close').click()")

        # A loop run's drill-down: each model call with its own context and raw answer, retries
        # and escalations marked.
        loop = browser.evaluate(LOOP_CASE)
        if loop is None:
            print("no loop run with several model calls and their contexts: per-call drill-down not checked")
        else:
            browser.open("about:blank")
            browser.open(url + loop["hash"])
            settle()
            calls = browser.evaluate("""(() => {
              const box = document.querySelector('#detail.open #model-calls');
              if (!box) return null;
              const items = [...box.querySelectorAll('details')];
              items.forEach(d => { d.open = true; });
              return {count: items.length,
                contexts: items.map(d => { const pre = d.querySelector('.call-context');
                  return pre && pre.getBoundingClientRect().height > 0 ? pre.textContent : null; }),
                answers: items.map(d => !!d.querySelector('.call-answer')),
                retries: box.querySelectorAll('.mark.retry').length,
                escalations: box.querySelectorAll('.mark.escalation').length}; })()""")
            if check(calls is not None, "the loop run %s shows no model calls" % loop["id"]):
                check(calls["count"] == len(loop["contexts"]),
                      "the loop run %s shows %d model calls, not %d" % (loop["id"], calls["count"], len(loop["contexts"])))
                check(calls["contexts"] == loop["contexts"],
                      "the loop run %s does not show each call's own context" % loop["id"])
                check(all(calls["answers"]), "a model call of %s shows no raw answer" % loop["id"])
                check(calls["retries"] == loop["retries"] and calls["escalations"] == loop["escalations"],
                      "the loop run %s marks %d retries and %d escalations, not %d and %d" % (
                          loop["id"], calls["retries"], calls["escalations"], loop["retries"], loop["escalations"]))
                print("loop run %s: %d model calls, %d retries, %d escalations marked" % (
                    loop["id"], calls["count"], calls["retries"], calls["escalations"]))
                browser.screenshot(os.path.join(out, "wide-loop.png"), full_page=False)
            browser.evaluate("document.getElementById('detail-close').click()")
            settle()

        # Search thread text: a word from the threads' events that no case id or intent holds.
        term = browser.evaluate("""(() => {
          const data = JSON.parse(document.getElementById('refold-data').textContent);
          const counts = {};
          for (const events of Object.values(data.e)) {
            const words = new Set();
            for (const event of events) {
              const text = typeof event[2] === 'string' ? event[2] : JSON.stringify(event[2]);
              for (const word of text.toLowerCase().match(/[a-z][a-z0-9@.]{5,}/g) || []) words.add(word);
            }
            for (const word of words) counts[word] = (counts[word] || 0) + 1;
          }
          const names = new Set(data.s.concat(data.h).map(s => s.toLowerCase()));
          const threads = Object.keys(data.e).length;
          const word = Object.keys(counts).filter(w => ![...names].some(n => n.indexOf(w) >= 0))
            .filter(w => counts[w] < threads).sort((a, b) => counts[b] - counts[a])[0];
          return word || ''; })()""")
        if check(bool(term), "no thread text to search for"):
            total = browser.evaluate("document.getElementById('pager').textContent")
            browser.evaluate("""(() => { const input = document.getElementById('f-text');
              input.value = %s; input.dispatchEvent(new Event('input')); })()""" % json.dumps(term))
            settle()
            found = browser.evaluate("""(() => {
              const rows = document.querySelectorAll('#case-rows tr');
              return {rows: rows.length, pager: document.getElementById('pager').textContent,
                hash: location.hash}; })()""")
            check(found["rows"] > 0, "searching thread text %r found no case" % term)
            check(found["pager"] != total, "searching %r did not narrow the cases (%s)" % (term, found["pager"]))
            check("q=" in found["hash"], "the search is not in the address")
            print("search %r: %s" % (term, found["pager"]))
            browser.evaluate("""(() => { const input = document.getElementById('f-text');
              input.value = ''; input.dispatchEvent(new Event('input')); })()""")
            settle()

        # Search a passing case's parameters: a value from them (one its thread does not hold,
        # when there is one) finds that case.
        passing = browser.evaluate(PASSING_PARAMETER)
        if check(passing is not None, "no passing case with a parameter value to search for"):
            browser.evaluate("""(() => { const f = document.getElementById('f-failed');
              if (f.checked) { f.click(); }
              const input = document.getElementById('f-text');
              input.value = %s; input.dispatchEvent(new Event('input')); })()""" % json.dumps(passing["term"]))
            settle()
            found = browser.evaluate("""(async () => {
              const id = %s;
              for (let page = 0; page < 50; page++) {
                const rows = [...document.querySelectorAll('#case-rows tr')];
                if (rows.some(r => r.querySelector('td').firstChild.textContent === id)) return true;
                const next = [...document.querySelectorAll('#pager button')].find(b => /next/.test(b.textContent) && !b.disabled);
                if (!next) return false;
                next.click();
                await new Promise(resolve => setTimeout(resolve, 50));
              }
              return false; })()""" % json.dumps(passing["id"]))
            check(found, "searching the parameter value %r did not find the passing case %s"
                  % (passing["term"], passing["id"]))
            print("search %r (a parameter of the passing case %s%s): found" % (
                passing["term"], passing["id"], ", not in its thread" if passing["onlyParameters"] else ""))
            browser.evaluate("""(() => { const input = document.getElementById('f-text');
              input.value = ''; input.dispatchEvent(new Event('input'));
              const f = document.getElementById('f-failed'); if (!f.checked) { f.click(); } })()""")
            settle()

        # Filter by verdict: every row left has a cell with that verdict.
        verdict = browser.evaluate("""(() => {
          const select = document.getElementById('f-verdict');
          for (const option of [...select.options].slice(2)) {
            select.value = option.value; select.dispatchEvent(new Event('change'));
            const rows = [...document.querySelectorAll('#case-rows tr')];
            if (rows.length === 0) continue;
            const wrong = rows.filter(r => ![...r.querySelectorAll('.verdict')]
              .some(v => v.textContent === option.textContent));
            return {verdict: option.textContent, rows: rows.length, wrong: wrong.length,
              hash: location.hash};
          }
          return null; })()""")
        if check(verdict is not None, "no failing verdict to filter by"):
            check(verdict["wrong"] == 0, "the verdict filter %s kept %d rows without it"
                  % (verdict["verdict"], verdict["wrong"]))
            check("verdict=" in verdict["hash"], "the verdict filter is not in the address")
            print("verdict %s: %d rows" % (verdict["verdict"], verdict["rows"]))
        browser.evaluate("""(() => { const select = document.getElementById('f-verdict');
          select.value = ''; select.dispatchEvent(new Event('change')); })()""")

        # Keyboard: focus the first row, arrow down, Enter opens the second row's case.
        browser.evaluate("document.querySelector('#case-rows tr').focus()")
        browser.key("ArrowDown", "ArrowDown", 40)
        second = browser.evaluate("document.activeElement && document.activeElement.dataset.group")
        check(second == "1", "ArrowDown did not move to the next row (focus on %r)" % second)
        browser.key("Enter", "Enter", 13)
        settle()
        check(browser.evaluate("!!document.querySelector('#detail.open .kv')"),
              "Enter on a focused row did not open its case")
        browser.key("Escape", "Escape", 27)

        # A phone: 390 px wide.
        browser.viewport(390, 844, True)
        browser.open("about:blank")
        browser.open(url)
        settle()
        width = browser.evaluate("""({page: document.documentElement.scrollWidth,
          body: document.body.scrollWidth})""")
        check(max(width["page"], width["body"]) <= 390,
              "the page is %d px wide at 390 px (horizontal overflow)" % max(width["page"], width["body"]))
        small = browser.evaluate("""(() => {
          let smallest = 99;
          for (const text of document.querySelectorAll('svg text')) {
            const box = text.getBoundingClientRect();
            if (box.height > 0) smallest = Math.min(smallest, box.height);
          }
          return smallest; })()""")
        check(small >= 9, "chart text is %.1f px high at 390 px" % small)
        badge = browser.evaluate("""(() => {
          const badge = document.querySelector('#case-rows .verdict');
          if (!badge) return null;
          const box = badge.getBoundingClientRect();
          return {left: box.left, right: box.right}; })()""")
        check(badge is not None and badge["right"] <= 390,
              "the verdict is not visible in the case list at 390 px (%s)" % badge)
        browser.screenshot(os.path.join(out, "phone.png"))
        browser.evaluate("document.querySelector('#case-rows .cell-button').click()")
        settle()
        overlay = browser.evaluate("""(() => {
          const detail = document.getElementById('detail');
          const style = getComputedStyle(detail), box = detail.getBoundingClientRect();
          return {position: style.position, top: box.top, width: box.width,
            kv: !!detail.querySelector('.kv')}; })()""")
        check(overlay["kv"] and overlay["position"] == "fixed" and overlay["top"] <= 1
              and overlay["width"] <= 390,
              "the drill-down is not an overlay at 390 px (%s)" % overlay)
        browser.screenshot(os.path.join(out, "phone-case.png"), full_page=False)
        if loop is not None:
            # A loop run's model calls, opened, stay inside the overlay at 390 px.
            browser.open("about:blank")
            browser.open(url + loop["hash"])
            settle()
            phone_loop = browser.evaluate("""(() => {
              document.querySelectorAll('#model-calls details').forEach(d => { d.open = true; });
              const detail = document.getElementById('detail');
              return {calls: document.querySelectorAll('#model-calls details').length,
                overlay: detail.getBoundingClientRect().width,
                wide: Math.max(detail.scrollWidth, document.documentElement.scrollWidth)}; })()""")
            check(phone_loop["calls"] == len(loop["contexts"]) and phone_loop["wide"] <= 390,
                  "a loop run's model calls do not fit the overlay at 390 px (%s)" % phone_loop)
        for problem in browser.evaluate(PLANTED):
            check(False, problem)

        comparison = os.path.join(os.path.dirname(report), "comparison.html")
        if os.path.exists(comparison):
            browser.viewport(1400, 1000, False)
            browser.open("file://" + comparison)
            settle()
            with open(os.path.join(out, "comparison-dom.html"), "w", encoding="utf-8") as file:
                file.write(browser.evaluate("document.documentElement.outerHTML"))
            browser.screenshot(os.path.join(out, "comparison.png"))
            for problem in browser.evaluate(PLANTED.replace("!== 2", "> 0")):
                check(False, "comparison.html: " + problem)
            # Its case links open the candidate variant's drill-down in the report.
            link = browser.evaluate("""(() => { const a = document.querySelector('a[href^="report.html#case="]');
              return a ? a.getAttribute('href') : ''; })()""")
            if link:
                browser.viewport(1400, 1000, False)
                browser.open("about:blank")
                browser.open("file://" + os.path.join(os.path.dirname(report), link))
                settle()
                opened = browser.evaluate("""(() => {
                  const detail = document.querySelector('#detail.open');
                  const current = detail && detail.querySelector('.variant-switch .current');
                  return {kv: !!(detail && detail.querySelector('.kv')),
                    variant: current ? current.textContent : ''}; })()""")
                check(opened["kv"], "the comparison's case link %s did not open the drill-down" % link)
                print("comparison link %s opened %s" % (link[:60], opened["variant"] or "the case"))
    except Exception as error:  # a step that could not run is a failure too
        check(False, "driving the page failed: %s" % error)
    finally:
        browser.close()

    with open(os.path.join(out, "console.log"), "w", encoding="utf-8") as log:
        for event in browser.events:
            method, params = event["method"], event.get("params", {})
            if method == "Runtime.exceptionThrown":
                details = params.get("exceptionDetails", {})
                text = details.get("exception", {}).get("description") or details.get("text", "")
                log.write("Uncaught %s\n" % text)
                check(False, "the page threw: %s" % text.splitlines()[0] if text else "an exception")
            elif method == "Runtime.consoleAPICalled":
                text = " ".join(str(a.get("value", a.get("description", ""))) for a in params.get("args", []))
                log.write("CONSOLE %s %s\n" % (params.get("type"), text))
                if params.get("type") in ("error", "assert"):
                    check(False, "the console logged an error: %s" % text)
            elif method == "Log.entryAdded":
                entry = params.get("entry", {})
                log.write("LOG %s %s\n" % (entry.get("level"), entry.get("text")))
                if entry.get("level") == "error":
                    check(False, "the browser logged an error: %s" % entry.get("text"))
            elif method == "Page.javascriptDialogOpening":
                log.write("DIALOG %s\n" % params.get("message"))
                check(False, "a planted script opened a dialog: %s" % params.get("message"))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
