/* askclinic: adds a floating "Ask our articles" button to a page; it opens the clinic's
   article chat (/widget/ on the server this script came from) in a panel, full screen on a
   phone, with the question box focused; Escape or the close button closes it.
   <script src="https://ask.your-clinic.example/embed.js" defer
           data-label="Ask our articles" data-color="#1d4ed8" data-position="right"></script> */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || window.askclinicWidget) return;
  var origin = new URL(script.src, window.location.href).origin;
  var label = script.getAttribute("data-label") || "Ask our articles";
  var color = script.getAttribute("data-color") || "";
  if (!/^#[0-9a-fA-F]{3,8}$/.test(color)) color = "#1d4ed8";
  var side = script.getAttribute("data-position") === "left" ? "left" : "right";

  function css(el, styles) { for (var k in styles) el.style[k] = styles[k]; return el; }

  var button = css(document.createElement("button"), {
    position: "fixed", bottom: "20px", zIndex: "2147483000", padding: "12px 18px",
    borderRadius: "999px", border: "0", background: color, color: "#fff", cursor: "pointer",
    font: "600 1rem system-ui, -apple-system, Segoe UI, Roboto, Arial, sans-serif", minHeight: "2.75rem",
    boxShadow: "0 4px 14px rgba(0,0,0,.25)"
  });
  button.style[side] = "20px";
  button.type = "button";
  button.textContent = label;
  button.setAttribute("aria-expanded", "false");
  button.setAttribute("aria-controls", "askclinic-panel");

  var panel = css(document.createElement("div"), {
    position: "fixed", bottom: "80px", width: "400px", maxWidth: "calc(100vw - 24px)",
    height: "620px", maxHeight: "calc(100vh - 100px)", zIndex: "2147483001", display: "none",
    flexDirection: "column", background: "#fff", borderRadius: "12px", overflow: "hidden",
    boxShadow: "0 8px 30px rgba(0,0,0,.3)"
  });
  panel.style[side] = "20px";
  panel.id = "askclinic-panel";
  panel.setAttribute("role", "dialog");
  panel.setAttribute("aria-label", label);

  var bar = css(document.createElement("div"), {
    display: "flex", justifyContent: "space-between", alignItems: "center", padding: "2px 4px 2px 12px",
    background: color, color: "#fff", font: "600 1rem system-ui, -apple-system, Segoe UI, Roboto, Arial, sans-serif"
  });
  var title = document.createElement("span");
  title.textContent = label;
  var close = css(document.createElement("button"), {
    background: "transparent", border: "0", color: "#fff", fontSize: "1.6rem", cursor: "pointer", lineHeight: "1",
    width: "2.75rem", height: "2.75rem"
  });
  close.type = "button";
  close.textContent = "\u00d7";
  close.setAttribute("aria-label", "Close");
  bar.appendChild(title);
  bar.appendChild(close);
  panel.appendChild(bar);

  var frame = null;
  function open() {
    if (!frame) {
      frame = css(document.createElement("iframe"), { border: "0", width: "100%", flex: "1" });
      frame.title = label + " (chat panel)";
      frame.src = origin + "/widget/?panel=1";  /* the panel bar already names it */
      frame.setAttribute("referrerpolicy", "no-referrer");
      frame.addEventListener("load", focusChat);
      panel.appendChild(frame);
    }
    fit();
    panel.style.display = "flex";
    button.setAttribute("aria-expanded", "true");
    if (phone()) button.style.display = "none";
    frame.focus();
    focusChat();
  }
  var focusTimer = null;
  function focusChat() {  /* asks the chat to put the cursor in its question box, until it says it did */
    var tries = 0;
    clearInterval(focusTimer);
    focusTimer = setInterval(function () {
      if (++tries > 40 || panel.style.display === "none") { clearInterval(focusTimer); return; }
      if (frame && frame.contentWindow) frame.contentWindow.postMessage({ askclinic: "focus" }, origin);
    }, 250);
  }
  function hide() {
    panel.style.display = "none";
    button.style.display = "";
    button.setAttribute("aria-expanded", "false");
    button.focus();
  }
  function phone() { return window.matchMedia("(max-width: 640px)").matches; }
  function fit() {  /* full screen on a phone, a floating panel elsewhere */
    var full = phone();
    css(panel, full ? { top: "0", bottom: "0", left: "0", right: "0", width: "100%", maxWidth: "100%",
                        height: "100%", maxHeight: "100%", borderRadius: "0" }
                    : { top: "", bottom: "80px", left: "", right: "", width: "400px", maxWidth: "calc(100vw - 24px)",
                        height: "620px", maxHeight: "calc(100vh - 100px)", borderRadius: "12px" });
    if (!full) panel.style[side] = "20px";
  }
  window.addEventListener("resize", function () { if (panel.style.display !== "none") fit(); });
  window.addEventListener("message", function (e) {  /* Escape pressed inside the chat */
    if (!frame || e.source !== frame.contentWindow || e.origin !== origin || !e.data) return;
    if (e.data.askclinic === "close") hide();
    if (e.data.askclinic === "focused") clearInterval(focusTimer);
  });
  button.addEventListener("click", function () { panel.style.display === "none" ? open() : hide(); });
  close.addEventListener("click", hide);
  document.addEventListener("keydown", function (e) {
    if (e.key === "Escape" && panel.style.display !== "none") hide();
  });

  function mount() { document.body.appendChild(panel); document.body.appendChild(button); }
  if (document.body) mount(); else document.addEventListener("DOMContentLoaded", mount);
  window.askclinicWidget = { open: open, close: hide };
})();
