/*
 * coopsearch embed widget: the library's search on any page, in one line of HTML.
 *
 *   <script src="https://LIBRARY/embed.js" async></script>
 *   <div data-coopsearch data-theme="energy" data-collection="community-energy"
 *        data-placeholder="Search co-op energy resources" data-label="Search the library"></div>
 *
 * Every data attribute is optional; any number of widgets per page, each on its own. Each
 * renders in its own Shadow DOM: the host page's CSS does not reach in, ours does not leak
 * out, the font is the host's, and colours follow these custom properties (set them on the
 * div or any ancestor): --coopsearch-accent, --coopsearch-background, --coopsearch-text,
 * --coopsearch-muted, --coopsearch-border, --coopsearch-highlight, --coopsearch-mark.
 *
 * The search box is a WAI-ARIA 1.2 combobox whose listbox holds the results: arrows move,
 * Enter opens the active result (or searches now), Escape closes, then clears. Result counts
 * are announced in a live region. Requests go to the library's public JSON API (plain GETs,
 * no credentials, so no CORS preflight), debounced and aborted when stale; `analytics=1` is
 * sent only once a query has been still for 1.5 s, or on Enter.
 *
 * Safe under a strict Content-Security-Policy on the host page (script-src and connect-src
 * naming the library suffice): no inline script, no eval, no innerHTML; styles are a
 * constructed stylesheet adopted by each shadow root, which style-src does not govern.
 * No cookies, no storage, no framework, no build step.
 *
 * On the library's iframe page (/embed, <html data-coopsearch-frame-page>) the widget posts
 * its height to the parent; on a host page it resizes iframe[data-coopsearch-frame]
 * elements from those messages.
 */
(() => {
  "use strict";

  const KEY = Symbol.for("coopsearch.embed");
  if (window[KEY]) { // the script twice on one page: mount new widgets only
    window[KEY]();
    return;
  }

  const script = document.currentScript
    || [...document.querySelectorAll("script[src]")].reverse().find((s) => /\/embed\.js([?#]|$)/.test(s.src));
  if (!script) return;
  const LIB = script.src.replace(/\/embed\.js([?#].*)?$/, "");
  const ORIGIN = new URL(LIB).origin;
  const FRAME = document.documentElement.hasAttribute("data-coopsearch-frame-page");

  const DELAY = 200; // ms of quiet typing before a search
  const RECORD_DELAY = 1500; // a query still this long is a search worth counting
  const RECORD_WAIT = 1000; // at most this long to count a search before opening a result
  const PER_PAGE = 5;
  const MIN_CHARS = 2;
  const MAX_HEIGHT = 5000;
  const MONTHS = "January February March April May June July August September October November December"
    .split(" ");

  const CSS = `
:host{all:initial;display:block;font:inherit;line-height:1.45;
--a:var(--coopsearch-accent,#0b5cad);--bg:var(--coopsearch-background,#fff);
--tx:var(--coopsearch-text,#1f2328);--mu:var(--coopsearch-muted,#4b5563);
--bd:var(--coopsearch-border,#6b7280);--hl:var(--coopsearch-highlight,#e6effa);
--mk:var(--coopsearch-mark,#fff0a0);color:var(--tx)}
*{box-sizing:border-box}
[hidden]{display:none!important}
.box{position:relative;text-align:start}
label{display:block;margin:0 0 .25em;font-weight:600;color:var(--tx)}
input{display:block;width:100%;margin:0;padding:.5em .65em;font:inherit;line-height:1.3;color:var(--tx);
background:var(--bg);border:1px solid var(--bd);border-radius:4px;-webkit-appearance:none;appearance:none}
input::placeholder{color:var(--mu);opacity:1}
input:focus{outline:2px solid var(--a);outline-offset:2px}
.panel{margin:.3em 0 0;background:var(--bg);color:var(--tx);border:1px solid var(--bd);border-radius:4px}
[role=listbox]{display:block;margin:0;padding:0}
[role=option]{display:block;padding:.5em .65em;color:var(--tx);text-decoration:none;cursor:pointer;
border-bottom:1px solid var(--hl)}
[role=option]:hover,[role=option][aria-selected=true]{background:var(--hl)}
[role=option][aria-selected=true],[role=option]:focus-visible{outline:2px solid var(--a);outline-offset:-2px}
.t{display:block;color:var(--a);font-weight:600;text-decoration:underline}
time,.s{display:block;font-size:.875em}
time{color:var(--mu)}
mark{background:var(--mk);color:inherit;padding:0}
.foot{margin:0;padding:.5em .65em}
.all{color:var(--a);text-decoration:underline}
.all:focus-visible{outline:2px solid var(--a);outline-offset:2px}
.msg{margin:.35em 0 0;color:var(--mu)}
.note{margin:0;padding:.4em .65em;font-size:.875em;border-bottom:1px solid var(--hl)}
.note a{color:var(--a)}
.sr{position:absolute;width:1px;height:1px;margin:-1px;padding:0;border:0;overflow:hidden;
clip:rect(0 0 0 0);clip-path:inset(50%);white-space:nowrap}`;

  /* --- helpers ------------------------------------------------------------------------ */

  /** h("a", {href: "/x"}, "text", child…): an element; text always goes in as text. */
  function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value != null && value !== false) el.setAttribute(name, String(value));
    }
    el.append(...children.flat().filter((c) => c != null));
    return el;
  }

  const ENTITIES = { amp: "&", lt: "<", gt: ">", quot: '"', "#39": "'", "#x27": "'" };
  const unescape = (text) => text.replace(/&(amp|lt|gt|quot|#39|#x27);/g, (_, name) => ENTITIES[name]);

  /** The API's snippet (escaped text, matched words in <mark>) as nodes: the only markup the
   *  server sends is <mark>, so nothing else is ever parsed (safe under Trusted Types too). */
  function snippetNodes(html) {
    return html.split(/(<mark>.*?<\/mark>)/s).filter(Boolean).map((part) => (part.startsWith("<mark>")
      ? h("mark", null, unescape(part.slice(6, -7))) : unescape(part)));
  }

  /** "4 March 2021", "March 2021", "2021" or "" (as the library's pages show dates). */
  function humanDate(value) {
    const [y, m, d] = String(value || "").split("-").map(Number);
    if (!y) return "";
    if (d) return `${d} ${MONTHS[m - 1]} ${y}`;
    return m ? `${MONTHS[m - 1]} ${y}` : String(y);
  }

  const count = (n, word) => `${n.toLocaleString("en-US")} ${word}${n === 1 ? "" : "s"}`;

  let sheet = null;
  /** Our styles in a shadow root: one constructed stylesheet shared by every widget. */
  function adoptStyles(root) {
    try {
      if (!sheet) {
        sheet = new CSSStyleSheet();
        sheet.replaceSync(CSS);
      }
      root.adoptedStyleSheets = [sheet];
    } catch { // browsers before constructable stylesheets (Safari < 16.4): a <style> element
      root.append(h("style", null, CSS));
    }
  }

  /* --- one widget ----------------------------------------------------------------------- */

  function mount(host) {
    if (host.shadowRoot) return;
    const root = host.attachShadow({ mode: "open" });
    adoptStyles(root);
    const opts = host.dataset;
    const theme = (opts.theme || "").trim();
    const collection = (opts.collection || "").trim();
    const target = FRAME ? "_top" : null;

    const input = h("input", {
      id: "q", type: "search", role: "combobox", "aria-autocomplete": "list", "aria-expanded": "false",
      "aria-controls": "results", autocomplete: "off", spellcheck: "false", enterkeyhint: "search",
      placeholder: opts.placeholder || "Search case studies, articles, talks…",
    });
    const list = h("div", { id: "results", role: "listbox", "aria-label": "Results" });
    const all = h("a", { class: "all", href: LIB, target });
    const note = h("p", { class: "note", hidden: "" });
    const panel = h("div", { class: "panel", hidden: "" }, note, list, h("p", { class: "foot" }, all));
    const msg = h("p", { class: "msg", hidden: "" });
    const live = h("div", { class: "sr", role: "status", "aria-live": "polite", "aria-atomic": "true" });
    const box = h("div", { class: "box" },
      h("label", { for: "q" }, opts.label || "Search the library"), input, panel, msg, live);
    root.append(box);

    const st = { q: "", hits: [], total: 0, active: -1, searchId: null, timer: 0, recordTimer: 0, ctrl: null };

    function apiUrl(q, record) {
      const params = new URLSearchParams({ q });
      if (theme) params.set("theme", theme);
      params.set("per_page", String(PER_PAGE));
      if (record) params.set("analytics", "1");
      const path = collection ? `/api/v1/collections/${encodeURIComponent(collection)}` : "/api/v1/search";
      return `${LIB}${path}?${params}`;
    }

    function allUrl(q, only = theme) {
      const params = new URLSearchParams({ q });
      if (only) params.set("theme", only);
      return `${LIB}${collection ? `/collections/${encodeURIComponent(collection)}` : "/search"}?${params}`;
    }

    function entryUrl(i) {
      const ref = st.searchId ? `?ref=${encodeURIComponent(st.searchId)}.${i + 1}` : "";
      return `${LIB}/entries/${encodeURIComponent(st.hits[i].id)}${ref}`;
    }

    function announce(text) {
      live.textContent = live.textContent === text ? `${text}\u00a0` : text;
    }

    function say(text) {
      msg.textContent = text;
      msg.hidden = !text;
    }

    /** What the search did with the words, as the library's pages say it: typos matched,
     *  words no entry has together, themes the query names (not prefixes: typing is). */
    function noteNodes(q, res) {
      const out = [];
      const typos = (res.approximate || []).filter((a) => a.kind === "typo").flatMap((a) => a.matches);
      if (typos.length) out.push(`Including results for ${[...new Set(typos)].join(", ")}. `);
      const r = res.relaxed;
      if (r) {
        const any = r.wanted.length > 1 ? "any of these words" : "any of your other words";
        out.push(`No entry has ${r.wanted.length > 1 ? "all of " : ""}${r.wanted.join(", ")}; `
          + `showing entries with ${r.kept.length ? r.kept.join(", ") : any}. `);
      }
      const named = theme ? [] : (res.themes_named || []).filter((t) => t.count && t.count < res.total);
      if (named.length) {
        out.push("Filter by theme: ", named.map((t, i) => [i ? ", " : "",
          h("a", { href: allUrl(q, t.id), target }, `${t.label} (${t.count})`)]));
      }
      return out;
    }

    /* the listbox */

    const isOpen = () => !panel.hidden;
    const options = () => [...list.children];

    function setActive(i) {
      st.active = i;
      options().forEach((o, j) => o.setAttribute("aria-selected", String(j === i)));
      const option = list.children[i];
      if (option) {
        input.setAttribute("aria-activedescendant", option.id);
        option.scrollIntoView({ block: "nearest" });
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }

    function open() {
      if (!st.hits.length || st.q !== input.value.trim()) return;
      panel.hidden = false;
      input.setAttribute("aria-expanded", "true");
    }

    function close() {
      setActive(-1);
      panel.hidden = true;
      input.setAttribute("aria-expanded", "false");
    }

    function move(step) {
      const n = st.hits.length;
      setActive(st.active < 0 ? (step > 0 ? 0 : n - 1) : (st.active + step + n) % n);
    }

    /** A result: its name is all it shows (title, date, snippet); spaces keep the words apart
     *  in that name, where the blocks' line breaks do not count. */
    function option(hit, i) {
      const date = humanDate(hit.date);
      return h("a", { id: `r${i}`, role: "option", href: "", target, tabindex: "-1", "aria-selected": "false" },
        h("span", { class: "t" }, hit.title),
        date ? [" ", h("time", { datetime: hit.date }, date)] : null,
        hit.snippet ? [" ", h("span", { class: "s" }, ...snippetNodes(hit.snippet))] : null);
    }

    function setLinks() {
      options().forEach((o, i) => o.setAttribute("href", entryUrl(i)));
    }

    function show(q, data, recorded) {
      const res = data.results || data;
      Object.assign(st, { q, hits: res.hits || [], total: res.total || 0, searchId: recorded ? data.search_id : null });
      list.replaceChildren(...st.hits.map(option));
      setLinks();
      all.href = allUrl(q);
      all.textContent = `See ${st.total === 1 ? "" : "all "}${count(st.total, "result")} in the library`;
      note.replaceChildren(...noteNodes(q, res).flat(3));
      note.hidden = !note.firstChild;
      setActive(-1);
      say(st.total ? "" : `No results for “${q}”.`);
      if (!st.total) {
        close();
        announce("No results");
        return;
      }
      // A late answer must not pop the list open under someone who has left the box.
      if (root.activeElement === input) open();
      const shown = st.hits.length;
      announce(`${shown < st.total ? `${shown} of ${count(st.total, "result")}` : count(shown, "result")}`
        + `, arrow keys to choose${note.hidden ? "" : `. ${note.textContent.trim()}`}`);
    }

    function failed(res, body) {
      close();
      let text = "The library could not be reached; please try again.";
      if (res && res.status === 429) text = "Too many searches just now; please wait a moment.";
      else if (res && (res.status === 400 || res.status === 404)) {
        text = "This search box is not set up correctly.";
        console.warn(`coopsearch: ${body && body.error ? body.error.message : res.status}`);
      }
      say(text);
      announce(text);
    }

    /* requests */

    function cancel() {
      clearTimeout(st.timer);
      clearTimeout(st.recordTimer);
      if (st.ctrl) st.ctrl.abort();
      st.ctrl = null;
    }

    async function get(url, ctrl) {
      const res = await fetch(url, { signal: ctrl.signal, credentials: "omit" });
      const body = await res.json().catch(() => null);
      return { res, body };
    }

    async function load(q, record) {
      cancel();
      const ctrl = (st.ctrl = new AbortController());
      try {
        const { res, body } = await get(apiUrl(q, record), ctrl);
        if (st.ctrl !== ctrl) return;
        st.ctrl = null;
        if (res.ok && body) show(q, body, record);
        else failed(res, body);
        if (res.ok && !record) st.recordTimer = setTimeout(() => recordShown(q), RECORD_DELAY - DELAY);
      } catch (e) {
        if (st.ctrl === ctrl && e.name !== "AbortError") failed(null, null);
      }
    }

    /** Count the shown search (analytics=1) and give its links ?ref=<search>.<n>, if the
     *  answer has the same hits; `wait` gives up after that many ms. */
    async function recordShown(q, wait = 0) {
      if (st.searchId || st.q !== q) return;
      const ctrl = new AbortController();
      const timer = wait ? setTimeout(() => ctrl.abort(), wait) : 0;
      try {
        const { res, body } = await get(apiUrl(q, true), ctrl);
        const res2 = body && (body.results || body);
        const same = res2 && res2.hits && res2.hits.map((x) => x.id).join() === st.hits.map((x) => x.id).join();
        if (res.ok && same && st.q === q && body.search_id) {
          st.searchId = body.search_id;
          setLinks();
        }
      } catch {
        // Not counted: the visitor loses nothing.
      }
      clearTimeout(timer);
    }

    function schedule() {
      cancel();
      const q = input.value.trim();
      if (q.length < MIN_CHARS) {
        Object.assign(st, { q: "", hits: [], total: 0, searchId: null });
        list.replaceChildren();
        say("");
        return close();
      }
      st.timer = setTimeout(() => load(q, false), DELAY);
    }

    async function go(i) {
      cancel();
      await recordShown(st.q, RECORD_WAIT);
      const href = entryUrl(i);
      close();
      try {
        if (FRAME) window.top.location.href = href;
        else window.location.assign(href);
      } catch {
        window.location.assign(href);
      }
    }

    /* events */

    const keys = {
      ArrowDown() {
        if (!isOpen()) open();
        if (isOpen()) move(1);
      },
      ArrowUp() {
        if (isOpen()) move(-1);
      },
      Enter() { // open the active result, or search now (and count it)
        const q = input.value.trim();
        if (isOpen() && st.active >= 0) go(st.active);
        else if (q && st.q === q && !st.ctrl) {
          open();
          recordShown(q);
        } else if (q) load(q, true).then(open);
      },
      Escape() {
        if (isOpen()) close();
        else if (input.value) {
          input.value = "";
          schedule();
        }
      },
    };

    input.addEventListener("keydown", (e) => {
      if (e.altKey || e.ctrlKey || e.metaKey || e.isComposing || !keys[e.key]) return;
      e.preventDefault();
      keys[e.key]();
    });
    input.addEventListener("input", schedule);
    list.addEventListener("click", (e) => {
      const o = e.target.closest("[role=option]");
      if (!o || e.button !== 0 || e.ctrlKey || e.metaKey || e.shiftKey || e.altKey) return;
      e.preventDefault();
      go(options().indexOf(o));
    });
    box.addEventListener("focusout", (e) => {
      if (!box.contains(e.relatedTarget)) close();
    });
  }

  /* --- the iframe variant ------------------------------------------------------------------ */

  /** On the library's iframe page: tell the parent page our height whenever it changes. */
  function reportHeight() {
    let last = -1;
    new ResizeObserver(() => {
      const height = Math.ceil(document.body.getBoundingClientRect().height);
      if (height !== last) {
        last = height;
        window.parent.postMessage({ type: "coopsearch:resize", height }, "*");
      }
    }).observe(document.body);
  }

  /** On a host page: size each iframe[data-coopsearch-frame] to what its page reports. */
  function onMessage(e) {
    const data = e.data;
    if (e.origin !== ORIGIN || !data || data.type !== "coopsearch:resize") return;
    const height = Number(data.height);
    if (!(height >= 0)) return;
    for (const frame of document.querySelectorAll("iframe[data-coopsearch-frame]")) {
      if (frame.contentWindow !== e.source) continue;
      const cs = getComputedStyle(frame);
      const extra = cs.boxSizing !== "border-box" ? 0 : ["borderTopWidth", "borderBottomWidth", "paddingTop",
        "paddingBottom"].reduce((sum, p) => sum + (parseFloat(cs[p]) || 0), 0);
      frame.style.height = `${Math.min(Math.ceil(height + extra), MAX_HEIGHT)}px`;
    }
  }

  /* --- start --------------------------------------------------------------------------------- */

  function scan() {
    document.querySelectorAll("[data-coopsearch]").forEach(mount);
  }

  window[KEY] = scan;
  window.addEventListener("message", onMessage);
  scan();
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", scan);
  if (FRAME && window.parent !== window) {
    if (document.body) reportHeight();
    else document.addEventListener("DOMContentLoaded", reportHeight);
  }
})();
