// hoithi — the one small script: countdown, autosave with an offline queue,
// progress, and the diacritic-insensitive unit search. Pages work without it.
(function () {
  "use strict";
  function fold(s) {
    return s.normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/[đĐ]/g, "d").toLowerCase();
  }

  // A search box before a unit list (`data-filter-for` names the select):
  // typed without diacritics, it hides the units that do not match.
  var filters = document.querySelectorAll("input[data-filter-for]");
  for (var fi = 0; fi < filters.length; fi++) {
    (function (filter) {
      var select = document.getElementById(filter.getAttribute("data-filter-for"));
      if (!select) return;
      filter.hidden = false;
      filter.addEventListener("input", function () {
        var q = fold(filter.value.trim());
        for (var i = 0; i < select.options.length; i++) {
          var o = select.options[i];
          if (!o.value) continue;
          o.hidden = q !== "" && (o.getAttribute("data-f") || "").indexOf(q) < 0;
        }
      });
    })(filters[fi]);
  }

  // Live counters (public board, dashboard): refreshed every 5 s while open.
  var live = document.querySelector("[data-live-url]");
  if (live && live.getAttribute("data-open") === "true") {
    setInterval(function () {
      fetch(live.getAttribute("data-live-url"), { cache: "no-store" })
        .then(function (r) { return r.json(); })
        .then(function (j) {
          var ks = live.querySelectorAll("[data-k]");
          for (var i = 0; i < ks.length; i++) { var k = ks[i].getAttribute("data-k"); if (j[k] !== undefined) ks[i].textContent = j[k]; }
        }).catch(function () {});
    }, 5000);
  }
  // The contest form: the code follows the title until it is typed by
  // hand; the blueprint's total follows the counts; "+ Thêm vòng" adds a row.
  var slug = document.querySelector("[data-slug-from]");
  if (slug) {
    var from = document.getElementById(slug.getAttribute("data-slug-from"));
    var touched = slug.value !== "";
    slug.addEventListener("input", function () { touched = slug.value !== ""; });
    if (from) from.addEventListener("input", function () {
      if (touched) return;
      var s = fold(from.value).replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "");
      if (s.length > 64) s = s.slice(0, 65).replace(/-[^-]*$/, "");
      slug.value = s;
    });
  }
  var bpTotal = document.getElementById("bp-total");
  if (bpTotal) {
    var bp = document.querySelectorAll("input[data-bp]");
    var sum = function () {
      var t = 0;
      for (var i = 0; i < bp.length; i++) t += Math.max(0, parseInt(bp[i].value, 10) || 0);
      bpTotal.textContent = t;
    };
    for (var bi = 0; bi < bp.length; bi++) bp[bi].addEventListener("input", sum);
  }
  var addRound = document.getElementById("add-round");
  var roundList = document.getElementById("rounds");
  if (addRound && roundList) {
    addRound.addEventListener("click", function (e) {
      var rows = roundList.querySelectorAll(".round-row");
      if (!rows.length) return;
      e.preventDefault();
      var n = rows.length;
      var row = rows[n - 1].cloneNode(true);
      var inputs = row.querySelectorAll("input");
      for (var i = 0; i < inputs.length; i++) {
        var el = inputs[i];
        if (el.type === "checkbox") { el.checked = false; el.value = String(n); } else { el.value = ""; }
        if (el.id) el.id = el.id.replace(/-\d+$/, "-" + n);
      }
      var labels = row.querySelectorAll("label[for]");
      for (var j = 0; j < labels.length; j++) labels[j].setAttribute("for", labels[j].getAttribute("for").replace(/-\d+$/, "-" + n));
      var first = row.querySelector("label");
      if (first) first.textContent = "Vòng " + (n + 1) + " mở";
      roundList.appendChild(row);
      var open = row.querySelector("input[type=datetime-local]");
      if (open) open.focus();
    });
  }

  // "Sao chép liên kết": copies the link beside it, says so for a moment.
  var copies = document.querySelectorAll("[data-copy]");
  for (var ci = 0; ci < copies.length; ci++) {
    (function (b) {
      if (!navigator.clipboard) return;
      b.hidden = false;
      var label = b.textContent;
      b.addEventListener("click", function () {
        navigator.clipboard.writeText(b.getAttribute("data-copy")).then(function () {
          b.textContent = "Đã sao chép ✓";
          setTimeout(function () { b.textContent = label; }, 2000);
        }, function () { b.textContent = "Không sao chép được — hãy chép tay"; });
      });
    })(copies[ci]);
  }

  var print = document.querySelector("[data-print]");
  if (print) print.addEventListener("click", function () { window.print(); });

  var done = document.querySelector("[data-clear]");
  if (done) { try { localStorage.removeItem("hoithi-q-" + done.getAttribute("data-clear")); } catch (e) {} }

  var form = document.getElementById("paper");
  if (!form) return;
  var id = form.getAttribute("data-attempt");
  var deadline = +form.getAttribute("data-deadline");
  var offset = +form.getAttribute("data-now") - Date.now();
  var key = "hoithi-q-" + id;
  var timer = document.getElementById("timer");
  var prog = document.getElementById("prog");
  var count = document.getElementById("count");
  var net = document.getElementById("net");
  var total = form.querySelectorAll("fieldset.q:not(.survey)").length;
  var sending = false, ended = false;

  function load() {
    var q;
    try { q = JSON.parse(localStorage.getItem(key) || "{}"); } catch (e) { return {}; }
    Object.keys(q).forEach(function (p) { if (Array.isArray(q[p])) q[p] = { choices: q[p] }; });
    return q;
  }
  function store(q) { try { localStorage.setItem(key, JSON.stringify(q)); } catch (e) {} }
  function mark(pos, text, cls) {
    var el = form.querySelector('.saved[data-pos="' + pos + '"]');
    if (el) { el.textContent = text; el.className = "saved " + (cls || ""); }
  }
  function given(pos) {
    var typed = form.querySelector('input[name="t' + pos + '"]');
    if (typed) return { text: typed.value };
    var out = [];
    var inputs = form.querySelectorAll('input[name="q' + pos + '"]:checked');
    for (var i = 0; i < inputs.length; i++) if (inputs[i].value) out.push(inputs[i].value);
    return { choices: out };
  }
  function blank(g) { return g.text !== undefined ? !g.text.trim() : !g.choices.length; }
  function progress() {
    var n = 0;
    for (var p = 1; p <= total; p++) if (!blank(given(p))) n++;
    prog.value = n; count.textContent = n + "/" + total;
  }

  function flush() {
    if (sending) return;
    var queue = load(), positions = Object.keys(queue);
    if (!positions.length) { net.textContent = ""; return; }
    var pos = positions[0];
    sending = true;
    fetch("/api/v1/attempts/" + id + "/answers/" + pos, {
      method: "PUT", credentials: "same-origin",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(queue[pos])
    }).then(function (r) {
      sending = false;
      if (r.status === 204) {
        var q = load();
        if (JSON.stringify(q[pos]) === JSON.stringify(queue[pos])) delete q[pos];
        store(q); mark(pos, "đã lưu ✓", "ok"); flush();
      } else if (r.status === 409) {
        ended = true; location.href = "/a/" + id + "/result";
      } else if (r.status === 429 || r.status >= 500) {
        // The server or its database is having a bad moment: keep the answer
        // on the phone and send it again when the server says to.
        var wait = parseInt(r.headers.get("Retry-After") || "3", 10);
        if (!(wait > 0 && wait < 60)) wait = 3;
        net.textContent = "Máy chủ đang bận — câu trả lời được giữ trên máy và sẽ tự gửi lại sau " + wait + " giây.";
        mark(pos, "chờ gửi lại…", "");
        setTimeout(flush, wait * 1000);
      } else {
        var q2 = load(), same = JSON.stringify(q2[pos]) === JSON.stringify(queue[pos]);
        if (same) { delete q2[pos]; store(q2); }
        if (!same) { flush(); return; }
        var why = "không lưu được (" + r.status + ")";
        r.json().then(function (b) { var e = b.error; mark(pos, (e.details && e.details[0] ? e.details[0].message : e.message) || why, "bad"); },
          function () { mark(pos, why, "bad"); });
        flush();
      }
    }).catch(function () {
      sending = false;
      net.textContent = "Mất kết nối — câu trả lời được giữ trên máy và sẽ tự gửi lại.";
      setTimeout(flush, 3000);
    });
  }

  function changed(pos) {
    clearTimeout(typing[pos]);
    var q = load(); q[pos] = given(pos); store(q);
    mark(pos, "đang lưu…", ""); progress(); flush();
  }
  form.addEventListener("change", function (ev) {
    var m = /^[qt](\d+)$/.exec(ev.target.name || "");
    if (m) changed(m[1]);
  });
  var typing = {};
  form.addEventListener("input", function (ev) {
    var m = /^t(\d+)$/.exec(ev.target.name || "");
    if (!m) return;
    var q = load(); q[m[1]] = given(m[1]); store(q); progress();
    clearTimeout(typing[m[1]]);
    typing[m[1]] = setTimeout(function () { changed(m[1]); }, 800);
  });
  window.addEventListener("online", flush);

  // Resume: answers queued before a reload or a dropped connection win.
  var pending = load();
  Object.keys(pending).forEach(function (pos) {
    var g = pending[pos];
    var typed = form.querySelector('input[name="t' + pos + '"]');
    if (typed && g.text !== undefined) typed.value = g.text;
    var inputs = form.querySelectorAll('input[name="q' + pos + '"]');
    for (var i = 0; i < inputs.length; i++) if (inputs[i].value) inputs[i].checked = (g.choices || []).indexOf(inputs[i].value) >= 0;
    mark(pos, "chưa lưu", "");
  });
  progress(); flush();

  // "Nộp bài" asks first, naming how many questions are still unanswered.
  var ask = document.getElementById("confirm-submit");
  var submit = form.querySelector('button[value="submit"]');
  if (ask && ask.showModal && submit) {
    submit.addEventListener("click", function (ev) {
      ev.preventDefault();
      var left = total - +prog.value;
      document.getElementById("confirm-text").textContent = left > 0
        ? "Bạn còn " + left + " câu chưa trả lời. Nộp bài?"
        : "Bạn đã trả lời đủ " + total + " câu. Nộp bài? Sau khi nộp không sửa được nữa.";
      ask.showModal();
    });
    document.getElementById("confirm-back").addEventListener("click", function () { ask.close(); });
  }

  function tick() {
    var left = deadline - (Date.now() + offset);
    if (left <= 0) {
      timer.textContent = "Hết giờ";
      if (!ended) {
        ended = true;
        var a = document.createElement("input");
        a.type = "hidden"; a.name = "action"; a.value = "submit_now";
        form.appendChild(a); form.submit();
      }
      return;
    }
    var s = Math.floor(left / 1000);
    timer.textContent = "Còn " + Math.floor(s / 60) + ":" + ("0" + (s % 60)).slice(-2);
    if (s < 60) timer.className = "late";
    setTimeout(tick, 1000 - (left % 1000));
  }
  tick();
})();
