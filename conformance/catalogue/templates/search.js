// The catalogue's search box: filters SEARCH (inlined above by conformance docs) with no server and no fetch.
"use strict";
(() => {
  const input = document.getElementById("search");
  const list = document.getElementById("results");
  const status = document.getElementById("search-status");
  const LIMIT = 200;
  const normalize = (text) => text.normalize("NFKC").toLowerCase();
  const haystack = SEARCH.map((entry) => normalize([entry.id, entry.title, entry.name, entry.op].join(" ")));
  const update = () => {
    const words = normalize(input.value).split(/\s+/).filter(Boolean);
    list.replaceChildren();
    if (words.length === 0) {
      status.textContent = "";
      list.hidden = true;
      return;
    }
    let count = 0;
    SEARCH.forEach((entry, index) => {
      if (!words.every((word) => haystack[index].includes(word))) return;
      count += 1;
      if (count > LIMIT) return;
      const item = document.createElement("li");
      item.className = "result " + entry.kind;
      const kind = document.createElement("span");
      kind.className = "kind";
      kind.textContent = entry.label;
      const link = document.createElement("a");
      link.href = entry.href;
      link.textContent = entry.id;
      item.append(kind, link, " " + entry.title + " — " + entry.name);  // text nodes: data never becomes markup
      list.append(item);
    });
    status.textContent = count === 0 ? "該当なし" : count + "件" + (count > LIMIT ? "（先頭" + LIMIT + "件を表示）" : "");
    list.hidden = count === 0;
  };
  input.addEventListener("input", update);
  document.getElementById("search-box").hidden = false;
  update();
})();
