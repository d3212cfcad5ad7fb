// The curation workbench's page scripts: the passage a curator selects in a source text becomes
// the form's quote and its start/end (code points of the raw text, as the server anchors them),
// and the name fields search the project's names as the curator types. Nothing here talks to
// any host but the workbench itself.
"use strict";

(function () {
  function codePoints(text) {
    return Array.from(text).length;
  }

  // The code point offset in the raw text of a DOM position inside #source-text: each child
  // of it (a span or a mark) carries the offset of its first character in data-start.
  function offsetOf(root, node, offset) {
    if (node === root) {
      const child = root.childNodes[offset];
      return child ? Number(child.dataset.start) : Number(root.dataset.length);
    }
    let element = node.nodeType === Node.TEXT_NODE ? node.parentElement : node;
    while (element && element.parentElement !== root) element = element.parentElement;
    if (!element) return null;
    const base = Number(element.dataset.start);
    if (node.nodeType === Node.TEXT_NODE) return base + codePoints(node.data.slice(0, offset));
    return offset === 0 ? base : base + codePoints(element.textContent);
  }

  function takeSelection(root) {
    const selection = window.getSelection();
    if (!selection || selection.rangeCount === 0 || selection.isCollapsed) return;
    const range = selection.getRangeAt(0);
    if (!root.contains(range.startContainer) || !root.contains(range.endContainer)) return;
    const start = offsetOf(root, range.startContainer, range.startOffset);
    const end = offsetOf(root, range.endContainer, range.endOffset);
    if (start === null || end === null || end <= start) return;
    document.getElementById("start").value = String(start);
    document.getElementById("end").value = String(end);
    document.getElementById("quote").value = range.toString().replace(/\s+/g, " ").trim();
  }

  function setUpSelection() {
    const root = document.getElementById("source-text");
    if (!root || !document.getElementById("start")) return;
    root.addEventListener("mouseup", function () { takeSelection(root); });
    root.addEventListener("keyup", function () { takeSelection(root); });
  }

  // --- pickers: search-as-you-type over the project's names ------------------------------------
  function setUpPicker(input) {
    const list = document.getElementById(input.id + "-options");
    if (!list) return;
    const kind = input.dataset.picker;
    const several = input.hasAttribute("data-several");
    let asked = 0;

    function term() {
      return several ? input.value.split(";").pop().trim() : input.value.trim();
    }

    function choose(option) {
      const value = option.dataset.value;
      if (several) {
        const parts = input.value.split(";").map(function (p) { return p.trim(); }).filter(Boolean);
        parts.pop();
        parts.push(value);
        input.value = parts.join("; ");
      } else {
        input.value = value;
      }
      close();
      input.focus();
    }

    function close() {
      list.hidden = true;
      list.replaceChildren();
      input.setAttribute("aria-expanded", "false");
    }

    function show(matches) {
      list.replaceChildren();
      matches.forEach(function (m, i) {
        const li = document.createElement("li");
        li.setAttribute("role", "option");
        li.id = input.id + "-option-" + i;
        li.dataset.value = m.value;
        li.textContent = m.label;
        if (m.matched && m.matched !== m.label) {
          const how = document.createElement("span");
          how.className = "muted";
          how.textContent = " — " + m.matched;
          li.appendChild(how);
        }
        li.addEventListener("mousedown", function (event) { event.preventDefault(); choose(li); });
        list.appendChild(li);
      });
      list.hidden = matches.length === 0;
      input.setAttribute("aria-expanded", matches.length ? "true" : "false");
    }

    input.addEventListener("input", function () {
      const text = term();
      const mine = ++asked;
      if (!text) { close(); return; }
      fetch("/names/" + encodeURIComponent(kind) + ".json?q=" + encodeURIComponent(text), {
        headers: { Accept: "application/json" },
      })
        .then(function (r) { return r.ok ? r.json() : { matches: [] }; })
        .then(function (body) { if (mine === asked) show(body.matches); })
        .catch(close);
    });
    input.addEventListener("keydown", function (event) {
      const options = Array.from(list.children);
      if (!options.length) return;
      let current = options.findIndex(function (o) { return o.getAttribute("aria-selected") === "true"; });
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        current = (current + (event.key === "ArrowDown" ? 1 : options.length - 1)) % options.length;
        options.forEach(function (o, i) { o.setAttribute("aria-selected", String(i === current)); });
        input.setAttribute("aria-activedescendant", options[current].id);
      } else if (event.key === "Enter" && current >= 0) {
        event.preventDefault();
        choose(options[current]);
      } else if (event.key === "Escape") {
        close();
      }
    });
    input.addEventListener("blur", close);
  }

  document.addEventListener("DOMContentLoaded", function () {
    setUpSelection();
    document.querySelectorAll("input[data-picker]").forEach(setUpPicker);
  });
})();
