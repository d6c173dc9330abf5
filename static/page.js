// The page's small helpers (no framework; the CSP allows no inline script):
// "/" focuses the search box, name suggestions as you type, stepping through the
// matches of an article, copying a paragraph's citation, opening folded repeats.
(function () {
  "use strict";
  var box = document.getElementById("q");

  document.addEventListener("keydown", function (e) {
    var t = e.target, typing = t && (t.tagName === "INPUT" || t.tagName === "TEXTAREA" || t.tagName === "SELECT" || t.isContentEditable);
    if (e.key === "/" && !typing && box && !e.ctrlKey && !e.metaKey && !e.altKey) {
      e.preventDefault();
      box.focus();
      box.select();
    } else if (!typing && !e.ctrlKey && !e.metaKey && !e.altKey && (e.key === "n" || e.key === "p")) {
      var b = document.getElementById(e.key === "n" ? "match-next" : "match-prev");
      if (b) { e.preventDefault(); b.click(); }
    }
  });

  // Suggestions: names the index holds, with their other spellings, for the word being typed.
  var list = document.getElementById("suggest");
  if (box && list && window.fetch) {
    var timer = null, last = "";
    box.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        var value = box.value, words = value.split(/\s+/), word = words[words.length - 1] || "";
        if (word === last) return;
        last = word;
        if (!word || word.length > 40) { list.textContent = ""; return; }
        fetch(box.getAttribute("data-suggest") + "?q=" + encodeURIComponent(word))
          .then(function (r) { return r.ok ? r.json() : { suggestions: [] }; })
          .then(function (data) {
            if (box.value.split(/\s+/).pop() !== word) return;
            list.textContent = "";
            var head = words.slice(0, -1).join(" ");
            (data.suggestions || []).forEach(function (s) {
              var o = document.createElement("option");
              o.value = (head ? head + " " : "") + s.text;
              o.label = (s.variants || []).slice(0, 4).join(" · ");
              o.setAttribute("data-name", s.text);
              list.appendChild(o);
            });
          })
          .catch(function () { /* suggestions are a convenience */ });
      }, 120);
    });
  }

  function openFolds(el) {
    for (var p = el; p; p = p.parentElement) {
      if (p.tagName === "DETAILS") p.open = true;
    }
  }

  function fromHash() {
    var id = decodeURIComponent(location.hash.slice(1));
    var el = id && document.getElementById(id);
    if (el) { openFolds(el); el.scrollIntoView({ block: "center" }); }
    return el;
  }
  window.addEventListener("hashchange", fromHash);
  if (location.hash) fromHash();

  // Stepping through the matching paragraphs of an article.
  var next = document.getElementById("match-next"), prev = document.getElementById("match-prev");
  var counter = document.getElementById("match-count");
  if (next && prev) {
    var hits = Array.prototype.slice.call(document.querySelectorAll("article p.has-match"));
    var total = hits.length, at = -1, label = counter ? counter.textContent : "";
    var here = location.hash && document.getElementById(location.hash.slice(1));
    if (here) at = hits.indexOf(here);
    var go = function (step, e) {
      if (e) e.preventDefault();
      if (!total) return;
      at = at < 0 ? (step > 0 ? 0 : total - 1) : (at + step + total) % total;
      var el = hits[at];
      hits.forEach(function (h) { h.classList.remove("current"); });
      el.classList.add("current");
      openFolds(el);
      if (history.replaceState) history.replaceState(null, "", "#" + el.id); else location.hash = el.id;
      el.scrollIntoView({ block: "center" });
      if (counter) counter.textContent = (at + 1) + " / " + total + " · " + label;
      counter.setAttribute("data-at", String(at + 1));
    };
    next.addEventListener("click", function (e) { go(1, e); });
    prev.addEventListener("click", function (e) { go(-1, e); });
  }

  // A paragraph's citation to the clipboard (the link itself still points at the paragraph).
  document.addEventListener("click", function (e) {
    var a = e.target.closest && e.target.closest("a.cite");
    if (!a) return;
    var text = a.getAttribute("data-cite");
    var done = function () {
      var t = document.createElement("div");
      t.className = "toast";
      t.setAttribute("role", "status");
      t.textContent = a.getAttribute("title") ? (document.documentElement.lang === "en" ? "Citation copied" : "已複製引用") : "";
      document.body.appendChild(t);
      setTimeout(function () { t.remove(); }, 1500);
    };
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(text).then(done, function () {});
    }
  });
})();
