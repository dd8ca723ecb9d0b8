/* askclinic patient chat: what Gradio's defaults do not do. One question at a time (a question
   typed while an answer loads waits in line, with a note), each new answer scrolled so its
   first line is in view, a short spoken announcement per answer, the buttons inside answers
   (feedback, "is this happening now?"), the inline comment box, and, inside the embed.js
   panel, focus on open and Escape to close. Loaded inline by patient.py (CSP: no eval). */
(function () {
  "use strict";
  if (window.askclinicChat) return;
  var queue = [], busy = false, busySince = 0, answersAtSend = 0, versionAtSend = null, lastAction = null;
  var drafts = {};
  var T = {
    wait: "Your question will be asked as soon as the current answer is ready.",
    busy: "Finding an answer…", comment: "Send comment", add: "Your comment"
  };

  function $(sel, root) { return (root || document).querySelector(sel); }
  function conv() { return $("#ac-conv"); }
  function box() { return $("#ac-question textarea"); }
  function answers() { var c = conv(); return c ? c.querySelectorAll(".ac-answer").length : 0; }
  function pending() { return !!$("#ac-pending"); }
  function version() { var v = $("#ac-conv .ac-conv"); return v ? v.id : null; }

  function live(text) {
    var el = $("#ac-live");
    if (!el) {
      el = document.createElement("div");
      el.id = "ac-live"; el.className = "ac-sr";
      el.setAttribute("role", "status"); el.setAttribute("aria-live", "polite");
      document.body.appendChild(el);
    }
    el.textContent = "";
    setTimeout(function () { el.textContent = text; }, 50);
  }

  function note(text) {
    var el = $("#ac-wait");
    var ask = $(".ac-ask");
    if (!el && ask) {
      el = document.createElement("p");
      el.id = "ac-wait"; el.className = "ac-wait";
      el.setAttribute("role", "status");
      ask.parentNode.insertBefore(el, ask);
    }
    if (el) { el.textContent = text || ""; el.hidden = !text; }
  }

  function setBusy(on) {
    busy = on;
    busySince = on ? Date.now() : 0;
    var c = conv(), send = $("#ac-send"), b = box();
    if (c) c.setAttribute("aria-busy", on ? "true" : "false");
    if (send) { send.setAttribute("aria-disabled", on ? "true" : "false"); send.classList.toggle("ac-busy", on); }
    if (b) b.setAttribute("aria-describedby", on ? "ac-wait" : "");
    if (on) { answersAtSend = answers(); versionAtSend = version(); }
    note(queue.length ? T.wait : "");  /* shown for as long as a question waits, no flicker between */
  }

  function setValue(el, value) {
    el.value = value;
    el.dispatchEvent(new Event("input", { bubbles: true }));
  }

  /* Run an action through the hidden channel: the textbox #ac-action and its button. */
  function act(value) {
    var t = $("#ac-action textarea, #ac-action input"), go = $("#ac-action-go");
    if (!t || !go) return;
    lastAction = value;
    setBusy(true);
    setValue(t, value);
    setTimeout(function () { go.click(); }, 0);
  }

  function later(fn) { queue.push(fn); note(T.wait); }

  function next() {
    if (busy || !queue.length) return;
    var fn = queue.shift();
    note(queue.length ? T.wait : "");
    fn();
  }

  function askText(text) {
    var b = box(), send = $("#ac-send");
    if (!b || !send) return;
    setValue(b, text);
    setTimeout(function () { setBusy(true); lastAction = "ask"; send.click(); }, 0);
  }

  /* Enter / Ask / a suggested question while an answer loads: keep it for later. */
  document.addEventListener("keydown", function (e) {
    var b = box();
    if (e.key === "Enter" && !e.shiftKey && b && e.target === b) {
      var text = b.value.trim();
      if (!text) return;
      if (busy) {
        e.preventDefault(); e.stopImmediatePropagation();
        setValue(b, "");
        later(function () { askText(text); });
        return;
      }
      setBusy(true); lastAction = "ask";
    } else if (e.key === "Escape" && window.parent !== window) {
      window.parent.postMessage({ askclinic: "close" }, "*");
    }
  }, true);

  document.addEventListener("click", function (e) {
    var t = e.target.closest ? e.target.closest("button") : null;
    if (!t) return;
    if (t.id === "ac-send" || t.classList.contains("ac-starter")) {
      var b = box();
      var text = t.id === "ac-send" ? (b ? b.value.trim() : "") : t.textContent.trim();
      if (!text) return;
      if (busy && e.isTrusted) {
        e.preventDefault(); e.stopImmediatePropagation();
        if (t.id === "ac-send") setValue(b, "");
        later(function () { askText(text); });
        return;
      }
      if (e.isTrusted) { setBusy(true); lastAction = "ask"; }
    } else if (t.classList.contains("ac-act") && t.id.indexOf("ac-act-") === 0) {
      e.preventDefault();
      var parts = t.id.slice(7).split("-");
      var value = parts[0] + ":" + parts[1] + ":" + parts.slice(2).join("-");
      if (busy) later(function () { act(value); }); else act(value);
    } else if (t.id === "ac-clear-yes" || t.id === "ac-clear-no") {
      var back = t.id === "ac-clear-yes" ? box : function () { return $("#ac-clear"); };
      setTimeout(function () { if (back()) back().focus(); }, 300);
    } else if (t.classList.contains("ac-comment-send")) {
      var turn = t.getAttribute("data-turn"), area = document.getElementById("ac-comment-" + turn);
      var msg = area ? area.value.trim() : "";
      if (!msg) { if (area) area.focus(); return; }
      delete drafts[turn];
      var v = "comment:" + turn + ":" + msg;
      if (busy) later(function () { act(v); }); else act(v);
    }
  }, true);

  function commentBoxes() {
    document.querySelectorAll(".ac-comment-slot").forEach(function (slot) {
      if (slot.firstChild) return;
      var turn = slot.id.replace("ac-comment-slot-", "");
      var area = document.createElement("textarea");
      area.id = "ac-comment-" + turn; area.className = "ac-comment"; area.rows = 2; area.maxLength = 2000;
      area.setAttribute("aria-labelledby", "ac-thanks-" + turn);
      area.value = drafts[turn] || "";
      area.addEventListener("input", function () { drafts[turn] = area.value; });
      var send = document.createElement("button");
      send.type = "button"; send.className = "ac-comment-send"; send.textContent = T.comment;
      send.setAttribute("data-turn", turn);
      slot.appendChild(area); slot.appendChild(send);
    });
  }

  function scrollTo(el) {
    var c = conv();
    if (!c || !el) return;
    var top = el.getBoundingClientRect().top - c.getBoundingClientRect().top + c.scrollTop - 8;
    c.scrollTop = Math.max(0, top);
  }

  function fixLinks() {
    document.querySelectorAll('#ac-conv a[href^="tel:"], #ac-conv a[href^="sms:"], .ac-notes a[href^="tel:"]')
      .forEach(function (a) { a.removeAttribute("target"); a.removeAttribute("rel"); });
  }

  function focusAfter(action) {
    if (!action) return;
    var m = /^(up|down|comment):(\d+):/.exec(action);
    if (m) {
      var el = m[1] === "comment" ? document.getElementById("ac-thanks-" + m[2])
                                  : document.getElementById("ac-comment-" + m[2]);
      if (el) el.focus({ preventScroll: false });
    }
  }

  function changed() {
    fixLinks();
    commentBoxes();
    var c = conv();
    if (!c) return;
    var n = answers();
    if (pending()) {
      c.scrollTop = c.scrollHeight;
      return;
    }
    if (busy && (n > answersAtSend || lastAction && lastAction !== "ask" && version() !== versionAtSend)) {
      var action = lastAction;
      setBusy(false);
      lastAction = null;
      if (n > answersAtSend) {
        var all = c.querySelectorAll(".ac-answer"), newest = all[all.length - 1];
        var turn = newest.closest(".ac-turn");
        var q = turn && turn.previousElementSibling;
        /* the question above it too when it is short, else the answer's first line */
        scrollTo(q && q.classList.contains("ac-turn-q") && q.offsetHeight < c.clientHeight / 4 ? q : newest);
        var say = newest.querySelector(".ac-announce");
        if (say) live(say.textContent);
        /* the pressed button is gone (a check item): keep the keyboard on the new answer */
        if (!document.activeElement || document.activeElement === document.body) newest.focus({ preventScroll: true });
      } else {
        focusAfter(action);
      }
      setTimeout(next, 0);
    }
  }

  window.addEventListener("message", function (e) {
    if (e.source === window.parent && e.data && e.data.askclinic === "focus" && box()) {
      box().focus();
      if (document.activeElement === box()) window.parent.postMessage({ askclinic: "focused" }, "*");
    }
  });

  setInterval(function () {  /* a lost answer never leaves the chat stuck */
    if (busy && Date.now() - busySince > 90000) { setBusy(false); next(); }
  }, 5000);

  function start() {
    var c = conv();
    if (!c || !box()) { setTimeout(start, 100); return; }
    new MutationObserver(changed).observe(c, { childList: true, subtree: true, characterData: true });
    changed();
  }
  if (/[?&]panel=1\b/.test(location.search)) document.documentElement.classList.add("ac-in-panel");
  window.askclinicChat = { queue: queue, busy: function () { return busy; } };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start); else start();
})();
