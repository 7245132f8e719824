/*
 * coopsearch: progressive enhancement for the server-rendered pages.
 *
 * Every page works without this file (GET forms and plain links). This script only makes
 * the same things faster and smoother:
 *   - an autocomplete combobox on #q (WAI-ARIA APG "combobox with listbox popup"),
 *   - on /search: live results while typing, facet ticks, links, forms and the date
 *     histogram handled without page loads, rendered from the JSON API into the very same
 *     markup as the templates (CSS and browser tests use one set of selectors);
 *   - search analytics: requests caused by typing do not ask to be recorded; a discrete
 *     action (submit, facet, link, page) asks with analytics=1, and so does a typed query
 *     once it has been still for RECORD_DELAY; result links then carry ?ref=<search>.<n>;
 *   - for logged-in staff, the "relevant"/"not relevant" forms on each hit, sent with fetch.
 *
 * Rules kept here, because the pages run under a strict Content-Security-Policy
 * (script-src 'self', no 'unsafe-inline', no 'unsafe-eval'):
 *   - no inline handlers, no eval, no string-to-code;
 *   - entry text is always set with textContent, except the API's `snippet` and
 *     `title_html`, which the server has already escaped and marked up with <mark>.
 *
 * What it does is described in README.md ("Web pages") and checked by tests/browser/;
 * URL rules mirror webui/links.py, histogram geometry mirrors webui/histogram.py, text
 * mirrors the Jinja templates.
 */
(() => {
  "use strict";

  // CSS hides the "Apply filters" button and other no-JS affordances with `.js`.
  document.documentElement.classList.add("js");

  /* ------------------------------------------------------------------------------------
   * Constants shared with the server (keep in sync with webui/pages.py, histogram.py)
   * ------------------------------------------------------------------------------------ */
  const AUTHOR_FACET_SIZE = 50; // pages.AUTHOR_FACET_SIZE: the page lists this many authors
  const DEFAULT_PER_PAGE = 10;
  const POPULAR_THEMES = 6;
  const BAR_WIDTH = 10;
  const HIST_HEIGHT = 60;
  const MIN_BAR = 2;
  const FILTER_PARAMS = ["theme", "author", "type", "from", "to"];
  const SUGGEST_DELAY = 150;
  const TYPING_DELAY = 250;
  const RECORD_DELAY = 1500; // a typed query still this long is a search worth counting
  const SVG_NS = "http://www.w3.org/2000/svg";

  /* ------------------------------------------------------------------------------------
   * DOM helpers
   * ------------------------------------------------------------------------------------ */

  /** Appends children: strings/numbers become text nodes; null/undefined/booleans are
   *  skipped (so `cond ? node : null` works); arrays are flattened. */
  function append(el, children) {
    for (const child of children) {
      if (child == null || typeof child === "boolean") continue;
      if (Array.isArray(child)) append(el, child);
      else el.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return el;
  }

  /** Sets attributes with setAttribute (so markup matches the templates); null skips. */
  function setAttrs(el, attrs) {
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value != null && value !== false) el.setAttribute(name, String(value));
    }
    return el;
  }

  /** h("a", {href: "/x"}, "text", child…): an HTML element. */
  function h(tag, attrs, ...children) {
    return append(setAttrs(document.createElement(tag), attrs), children);
  }

  /** The same for SVG elements (the histogram). */
  function svg(tag, attrs, ...children) {
    return append(setAttrs(document.createElementNS(SVG_NS, tag), attrs), children);
  }

  /** An element whose content is server-escaped HTML (only `snippet` and `title_html`). */
  function withTrustedHtml(el, escapedHtml) {
    el.innerHTML = escapedHtml; // safe: escaped by the server; only <mark> is markup
    return el;
  }

  const byId = (id) => document.getElementById(id);

  /* ------------------------------------------------------------------------------------
   * Text formatting, as webui/formats.py does it
   * ------------------------------------------------------------------------------------ */
  const MONTHS = ("January February March April May June July August September October "
    + "November December").split(" ");

  /** "1 result", "1,234 results" (formats.plural). */
  function plural(count, word, many) {
    return `${count.toLocaleString("en-US")} ${count === 1 ? word : many || `${word}s`}`;
  }

  /** "4 March 2021", "March 2021", "2021" or "undated" (formats.human_date). */
  function humanDate(value) {
    if (!value) return "undated";
    const parts = value.split("-");
    const nums = parts.map(Number);
    if (parts.length === 3) {
      const [y, m, d] = nums;
      const day = new Date(Date.UTC(y, m - 1, d));
      const valid = day.getUTCFullYear() === y && day.getUTCMonth() === m - 1 && day.getUTCDate() === d;
      return valid ? `${d} ${MONTHS[m - 1]} ${y}` : value;
    }
    if (parts.length === 2) return MONTHS[nums[1] - 1] ? `${MONTHS[nums[1] - 1]} ${parts[0]}` : value;
    return value;
  }

  /** Python's "%.{digits}f": like toFixed, but exact ties round half to even, so the
   *  histogram's numbers are the very same as the server's. */
  function pyFixed(x, digits) {
    const [whole, frac = ""] = x.toFixed(100).split("."); // exact decimal expansion
    if (!/^50*$/.test(frac.slice(digits))) return x.toFixed(digits);
    const truncated = digits ? `${whole}.${frac.slice(0, digits)}` : whole;
    const lastDigit = Number(truncated.slice(-1));
    return lastDigit % 2 === 0 ? truncated : x.toFixed(digits); // toFixed rounds ties up
  }

  /* ------------------------------------------------------------------------------------
   * URLs, exactly as webui/links.py builds them (Python's urlencode = quote_plus)
   * An `args` value is a list of [name, value] pairs, in query-string order.
   * ------------------------------------------------------------------------------------ */
  const percent = (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`;

  /** urllib.parse.quote_plus: encodeURIComponent leaves !'()* alone, Python does not. */
  function quotePlus(text) {
    return encodeURIComponent(text).replace(/[!'()*]/g, percent).replace(/%20/g, "+");
  }

  /** Jinja's |urlencode filter on a string (quote with "/" safe). */
  function quotePath(text) {
    return encodeURIComponent(text).replace(/[!'()*]/g, percent).replace(/%2F/g, "/");
  }

  const Links = {
    searchUrl(args, path = "/search") {
      const query = args.map(([k, v]) => `${quotePlus(k)}=${quotePlus(v)}`).join("&");
      return query ? `${path}?${query}` : path;
    },
    /** Some parameters replaced (null removes) or dropped, back on page 1. */
    withArgs(args, drop = [], changes = {}) {
      const names = new Set([...drop, ...Object.keys(changes), "page"]);
      const kept = args.filter(([k]) => !names.has(k));
      for (const [k, v] of Object.entries(changes)) if (v) kept.push([k, v]);
      return Links.searchUrl(kept);
    },
    pageUrl(args, page) {
      const kept = args.filter(([k]) => k !== "page");
      return Links.searchUrl(page > 1 ? [...kept, ["page", String(page)]] : kept);
    },
    /** Add the value to the filter, or take it away if it is there. */
    toggle(args, param, value) {
      const same = ([k, v]) => k === param && v === value;
      const kept = args.filter((pair) => !same(pair) && pair[0] !== "page");
      if (!args.some(same)) kept.push([param, value]);
      return Links.searchUrl(kept);
    },
    dateRange(args, start, end) {
      return Links.withArgs(args, ["from", "to"], { from: start, to: end });
    },
    withoutFilters(args) {
      return Links.withArgs(args, FILTER_PARAMS);
    },
    /** `date` drops both ends of the date range. */
    dropFilter(args, param) {
      return Links.withArgs(args, param === "date" ? ["from", "to"] : [param]);
    },
  };

  const toUrl = (href) => new URL(href, location.href);
  /** As links.normalized: themes and types lower-cased, values trimmed, empty ones dropped. */
  const argsOf = (href) => [...toUrl(href).searchParams]
    .map(([k, v]) => [k, k === "theme" || k === "type" ? v.trim().toLowerCase() : v.trim()])
    .filter(([, v]) => v);
  const pathAndQuery = (url) => url.pathname + url.search;

  /* ------------------------------------------------------------------------------------
   * Announcements (#announcer, aria-live=polite, aria-atomic)
   * ------------------------------------------------------------------------------------ */
  let announceTimer = 0;

  /** Says `text` once, politely. The same text twice in a row ("12 results" after a
   *  re-sort) is not a change a screen reader notices, so it is cleared first and set
   *  again a moment later. */
  function announce(text) {
    const region = byId("announcer");
    if (!region) return;
    clearTimeout(announceTimer);
    if (region.textContent !== text) {
      region.textContent = text;
      return;
    }
    region.textContent = "";
    announceTimer = setTimeout(() => { region.textContent = text; }, 100);
  }

  /* ------------------------------------------------------------------------------------
   * Autocomplete: WAI-ARIA APG combobox with listbox popup, list autocomplete with
   * manual selection. DOM focus always stays on the input; the active option is
   * conveyed with aria-activedescendant and aria-selected.
   * ------------------------------------------------------------------------------------ */
  function initCombobox(input, list) {
    const form = input.form;
    const state = { items: [], forText: null, active: -1, timer: 0, ctrl: null };

    setAttrs(input, {
      role: "combobox", "aria-autocomplete": "list", "aria-expanded": "false", "aria-controls": list.id,
    });
    setAttrs(list, { role: "listbox", "aria-label": "Suggestions" });

    const isOpen = () => !list.hidden;

    function setActive(index) {
      state.active = index;
      list.querySelectorAll('[role="option"]').forEach((li, i) => {
        li.setAttribute("aria-selected", String(i === index));
      });
      const li = index >= 0 ? list.children[index] : null;
      if (li) {
        input.setAttribute("aria-activedescendant", li.id);
        li.scrollIntoView({ block: "nearest" });
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }

    function open() {
      if (!state.items.length) return;
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
    }

    function close() {
      setActive(-1);
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
    }

    /** Next/previous option, wrapping around; from the input, Down goes to the first. */
    function move(step) {
      const n = state.items.length;
      if (state.active < 0) setActive(step > 0 ? 0 : n - 1);
      else setActive((state.active + step + n) % n);
    }

    function cancel() {
      clearTimeout(state.timer);
      if (state.ctrl) state.ctrl.abort();
      state.ctrl = null;
    }

    function option(suggestion, i) {
      const isTitle = suggestion.kind === "title";
      return h("li", { id: `${list.id}-${i}`, role: "option", "aria-selected": "false" },
        suggestion.text, isTitle ? [" ", h("span", { class: "kind" }, "entry")] : null);
    }

    function show(text, suggestions) {
      state.items = suggestions;
      state.forText = text;
      list.replaceChildren(...suggestions.map(option));
      setActive(-1);
      // A late answer must not pop a list up under someone who has moved on.
      if (!suggestions.length || document.activeElement !== input) return close();
      open();
      announce(plural(suggestions.length, "suggestion"));
    }

    async function load(text) {
      cancel();
      const ctrl = (state.ctrl = new AbortController());
      try {
        const res = await fetch(`/api/v1/suggest?${new URLSearchParams({ q: text })}`,
          { signal: ctrl.signal, headers: { Accept: "application/json" } });
        if (!res.ok) return;
        const data = await res.json();
        if (state.ctrl === ctrl) show(text, data.suggestions || []);
      } catch {
        // Suggestions are a convenience: an aborted or failed request just shows none.
      }
    }

    function schedule() {
      cancel();
      const text = input.value.trim();
      if (text.length < 2) return close();
      state.timer = setTimeout(() => load(text), SUGGEST_DELAY);
    }

    /** A term searches for itself; a title opens its entry. */
    function choose(index) {
      const suggestion = state.items[index];
      cancel();
      close();
      if (suggestion.kind === "title" && suggestion.id) {
        // Built from the id (as the server does), so no odd scheme can come in via `url`.
        location.assign(`/entries/${quotePath(suggestion.id)}`);
        return;
      }
      input.value = suggestion.text;
      if (form.requestSubmit) form.requestSubmit();
      else form.submit();
    }

    /** Down/Up on a closed list: reopen the options of this text (step 0: with no
     *  active option, as Alt+Down does), or fetch them. */
    function openWith(step) {
      if (state.items.length && state.forText === input.value.trim()) {
        open();
        if (step) move(step);
      } else if (input.value.trim().length >= 2) {
        load(input.value.trim());
      }
    }

    const keys = {
      ArrowDown(e) {
        if (!isOpen()) openWith(e.altKey ? 0 : 1);
        else if (!e.altKey) move(1);
        return true;
      },
      ArrowUp(e) {
        if (e.altKey) close();
        else if (isOpen()) move(-1);
        else openWith(-1);
        return true;
      },
      Enter() {
        if (isOpen() && state.active >= 0) {
          choose(state.active);
          return true;
        }
        cancel(); // the form submits the typed text; no list may open after that
        close();
        return false;
      },
      Escape() {
        if (isOpen()) {
          close();
          return true;
        }
        if (!input.value) return false;
        // The second Escape clears the box, and everything that follows the box follows.
        input.value = "";
        input.dispatchEvent(new Event("input", { bubbles: true }));
        return true;
      },
      Tab() {
        close();
        return false;
      },
    };
    // Editing keys move the caret in the input, so visual focus returns to it (APG).
    for (const key of ["ArrowLeft", "ArrowRight", "Home", "End"]) {
      keys[key] = () => {
        if (state.active >= 0) setActive(-1);
        return false;
      };
    }

    input.addEventListener("keydown", (e) => {
      const handler = keys[e.key];
      if (handler && !e.isComposing && handler(e)) e.preventDefault();
    });
    input.addEventListener("input", schedule);
    input.addEventListener("blur", () => {
      cancel();
      close();
    });
    // Keep DOM focus on the input while an option is clicked, so blur does not close first.
    list.addEventListener("mousedown", (e) => e.preventDefault());
    list.addEventListener("click", (e) => {
      const li = e.target.closest('[role="option"]');
      if (li) choose([...list.children].indexOf(li));
    });
    return { cancel, close };
  }

  /* ------------------------------------------------------------------------------------
   * Search page: the view model. From the API's answer and the URL's args, the values
   * the templates compute (req, filtered, histogram, labels).
   * ------------------------------------------------------------------------------------ */
  function readPageData() {
    try {
      return JSON.parse(byId("page-data").textContent);
    } catch {
      return { themes: {}, authorsShown: 10, searchId: null, staff: null };
    }
  }

  function viewContext(data, args, page, popular, searchId) {
    const year = (date) => (date ? Number(date.slice(0, 4)) : null);
    const f = data.filters;
    const req = {
      themes: f.theme, types: f.type, authors: f.author, from: year(f.from), to: year(f.to),
      sort: data.sort, page: data.page, perPage: data.per_page,
    };
    const filtered = Boolean(req.themes.length || req.types.length || req.authors.length
      || req.from || req.to);
    const rawArg = (name) => (args.find(([k]) => k === name) || [null, ""])[1];
    return {
      data, args, req, filtered, popular, rawArg, q: data.query, searchId, staff: page.staff,
      label: (id) => page.themes.get(id) ?? id,
      authorsShown: page.authorsShown,
      histogram: histogramModel(data.facets.years || [], req.from, req.to),
    };
  }

  /** webui/histogram.py: bars for every year from the first to the last with results. */
  function histogramModel(years, dateFrom, dateTo) {
    const counts = new Map();
    let undated = 0;
    for (const v of years) {
      if (v.value === "undated") undated += v.count;
      else if (v.count) counts.set(Number(v.value), v.count);
    }
    if (!counts.size) return undated ? { bars: [], undated, width: 0 } : null;
    const top = Math.max(...counts.values());
    const first = Math.min(...counts.keys());
    const last = Math.max(...counts.keys());
    const lo = dateFrom || first;
    const hi = dateTo || last;
    const ranged = dateFrom != null || dateTo != null;
    const bars = [];
    for (let year = first, i = 0; year <= last; year += 1, i += 1) {
      const count = counts.get(year) || 0;
      const height = count ? Math.max(MIN_BAR, (HIST_HEIGHT * count) / top) : 0;
      bars.push({
        year, count, selected: ranged && lo <= year && year <= hi,
        x: i * BAR_WIDTH, y: HIST_HEIGHT - height, height,
      });
    }
    return { bars, undated, width: bars.length * BAR_WIDTH, first, last };
  }

  /* ------------------------------------------------------------------------------------
   * Rendering: one function per template; same elements, classes, ids, aria and URLs.
   * ------------------------------------------------------------------------------------ */

  /** _results.html: everything in div#results. */
  function resultsNodes(c) {
    return [
      noticesNode(c),
      h("p", { class: "to-filters" },
        h("a", { href: "#filters-panel" }, c.filtered ? "Filters (in use)" : "Filters")),
      c.filtered ? chipsNode(c) : null,
      histogramNode(c),
      // With words already matched through others, the notices say what was searched.
      c.data.suggestion && c.data.total && !(c.data.approximate || []).length
        ? h("p", { class: "suggestion" }, "Did you mean ", suggestionLink(c), "?") : null,
      c.data.total ? [controlsNode(c), hitsNode(c), pagerNode(c)] : noResultsNode(c),
    ];
  }

  /** Words in <em> (or `tag`), separated by commas. */
  const listed = (words, tag = "em") => words.map((w, i) => [i ? ", " : null, h(tag, null, w)]);

  /** _notices.html: words matched through others, words no entry has together, themes
   *  the query names (as filters), a query cut to the length limit. */
  function noticesNode(c) {
    const d = c.data;
    const approx = d.total ? d.approximate || [] : []; // news only when they found something
    const typos = [...new Set(approx.filter((a) => a.kind === "typo").flatMap((a) => a.matches))];
    const prefixes = approx.filter((a) => a.kind === "prefix");
    // Themes that would narrow the results: with some but not all of them, and only with no
    // theme filter in use (a second theme would widen the results: themes are "any of").
    const named = c.req.themes.length ? [] : (d.themes_named || []).filter((t) => t.count && t.count < d.total);
    if (!typos.length && !prefixes.length && !d.relaxed && !named.length && !d.query_cut) return null;
    const p = (kind, ...children) => h("p", { class: `notice ${kind}` }, ...children);
    const themeLink = (t) => [" ", h("a", { class: "theme-filter", href: Links.toggle(c.args, "theme", t.id) },
      `${t.label} (${t.count})`)];
    return h("div", { class: "notices", id: "notices" },
      typos.length ? p("approximate", "Including results for ", listed(typos, "strong")) : null,
      prefixes.map((a) => p("approximate", "Including words beginning with ", h("em", null, a.word),
        `: ${a.matches.join(", ")}`)),
      d.relaxed ? p("relaxed", relaxedNodes(d.relaxed)) : null,
      named.length ? p("themes", "Filter by theme:", named.map(themeLink)) : null,
      d.query_cut ? p("cut", `Your query was cut to its first ${[...d.query_cut].length} characters.`) : null);
  }

  /** "No entry has all of a, b; showing entries with a." */
  function relaxedNodes({ wanted, kept }) {
    let rest = " showing entries with any of your other words.";
    if (kept.length) rest = [" showing entries with ", listed(kept), "."];
    else if (wanted.length > 1) rest = " showing entries with any of these words.";
    return ["No entry has ", wanted.length > 1 ? "all of " : null, listed(wanted), ";", rest];
  }

  /** The notices as one sentence each, for the live region. */
  function noticesText() {
    const notices = byId("notices");
    if (!notices) return "";
    return [...notices.children].map((p) => p.textContent.trim())
      .map((text) => (/[.:]$/.test(text) ? text : `${text}.`)).join(" ");
  }

  function chip(href, text) {
    return h("li", null, h("a", { class: "chip", href },
      h("span", { class: "visually-hidden" }, "Remove filter "), `${text} `,
      h("span", { "aria-hidden": "true" }, "×")));
  }

  function chipsNode(c) {
    const { args, req } = c;
    const dated = req.from || req.to;
    return h("div", { class: "chips" },
      h("h2", { class: "visually-hidden" }, "Filters in use"),
      h("ul", null,
        req.themes.map((t) => chip(Links.toggle(args, "theme", t), `Theme: ${c.label(t)}`)),
        req.types.map((t) => chip(Links.toggle(args, "type", t), `Type: ${t}`)),
        req.authors.map((a) => chip(Links.toggle(args, "author", a), `Author: ${a}`)),
        dated ? chip(Links.dropFilter(args, "date"), `Dates: ${req.from || "…"}–${req.to || "…"}`) : null,
        h("li", null, h("a", { class: "clear", href: Links.withoutFilters(args) }, "Clear all filters"))));
  }

  function suggestionLink(c) {
    return h("a", { href: Links.withArgs(c.args, [], { q: c.data.suggestion }) }, c.data.suggestion);
  }

  /** _histogram.html */
  function histogramNode(c) {
    const hist = c.histogram;
    if (!hist) return null;
    const hasBars = hist.bars.length > 0;
    return h("section", { class: "histogram", id: "histogram", "aria-labelledby": "dates-title" },
      h("h2", { id: "dates-title" }, "Dates"),
      hasBars ? [barsNode(c, hist), h("p", { class: "axis" }, h("span", null, hist.first), h("span", null, hist.last))]
        : null,
      dateRangeNode(c, hasBars ? hist : null),
      hist.undated
        ? h("p", { class: "undated" }, `${plural(hist.undated, "undated entry", "undated entries")} not shown by year.`)
        : null);
  }

  function barsNode(c, hist) {
    return svg("svg", {
      class: "bars", viewBox: `0 0 ${hist.width} ${HIST_HEIGHT}`, preserveAspectRatio: "none",
      role: "group", "aria-labelledby": "dates-title", "data-first": hist.first, "data-last": hist.last,
    }, hist.bars.filter((bar) => bar.count).map((bar) => barNode(c, bar)));
  }

  function barNode(c, bar) {
    const text = `${bar.year}: ${plural(bar.count, "result")}`;
    return svg("a", {
      href: Links.dateRange(c.args, String(bar.year), String(bar.year)),
      class: bar.selected ? "bar selected" : "bar",
      "data-year": bar.year, "data-count": bar.count, "aria-label": text,
    },
    svg("rect", { x: bar.x, y: 0, width: BAR_WIDTH, height: HIST_HEIGHT, class: "hit-area" }),
    svg("rect", { x: bar.x + 1, y: pyFixed(bar.y, 1), width: BAR_WIDTH - 2, height: pyFixed(bar.height, 1) }),
    svg("title", null, text));
  }

  function dateRangeNode(c, hist) {
    const field = (name, placeholder) => h("input", {
      id: name, name, form: "filters", inputmode: "numeric", size: "10",
      value: c.rawArg(name), placeholder,
    });
    return h("p", { class: "daterange" },
      h("label", { for: "from" }, "From"), " ", field("from", hist ? hist.first : "year"), " ",
      h("label", { for: "to" }, "to"), " ", field("to", hist ? hist.last : "year"), " ",
      h("button", { type: "submit", form: "filters" }, "Apply"));
  }

  /** Sort and per-page links; the default values are left out of URLs. */
  function controlsNode(c) {
    const { args, req } = c;
    const sorts = [["relevance", "relevance"], ["newest", "newest first"], ["oldest", "oldest first"]];
    const sortLink = ([key, text]) => [" ", h("a", {
      "aria-current": req.sort === key ? "true" : null,
      href: Links.withArgs(args, [], { sort: key !== "relevance" ? key : null }),
    }, text)];
    const sizeLink = (n) => [" ", h("a", {
      "aria-current": req.perPage === n ? "true" : null,
      href: Links.withArgs(args, [], { per_page: n !== DEFAULT_PER_PAGE ? String(n) : null }),
    }, String(n))];
    return h("div", { class: "controls" },
      h("p", { class: "sort" }, "Sort:", sorts.map(sortLink)),
      h("p", { class: "per-page" }, "Per page:", [10, 20, 50].map(sizeLink)));
  }

  function hitsNode(c) {
    const start = (c.req.page - 1) * c.req.perPage + 1;
    return h("ol", { class: "hits", id: "hits", start },
      c.data.hits.map((hit, i) => hitNode(c, hit, start + i)));
  }

  /** A result link; with the search's id, it tells the entry page which result was opened. */
  function entryHref(id, searchId, position) {
    return `/entries/${quotePath(id)}${searchId ? `?ref=${searchId}.${position}` : ""}`;
  }

  function hitNode(c, hit, position) {
    const title = withTrustedHtml(h("a", { href: entryHref(hit.id, c.searchId, position) }), hit.title_html);
    const authors = (hit.authors || []).map((a, i) => [i ? ", " : null,
      h("a", { href: Links.toggle([], "author", a) }, a)]);
    return h("li", { class: "hit" },
      h("h2", null, title),
      h("p", { class: "meta" },
        h("time", { datetime: hit.date || null }, humanDate(hit.date)),
        hit.type ? [" · ", h("span", { class: "type" }, hit.type)] : null,
        authors.length ? [" · ", authors] : null),
      hit.snippet ? withTrustedHtml(h("p", { class: "snippet" }), hit.snippet) : null,
      hit.themes && hit.themes.length
        ? h("p", { class: "tags" }, hit.themes.map((t) => [
          h("a", { class: "tag", href: Links.toggle([], "theme", t) }, c.label(t)), " "]))
        : null,
      c.staff && c.q ? judgeNode(c, hit) : null);
  }

  /* staff/judgments_buttons.html: judge a hit for this query (staff only). Which grade a
   * hit already has is filled in afterwards, from the staff's grades endpoint. */
  const GRADE_TEXT = { 1: "Judged relevant", 0: "Judged not relevant" };
  const gradeText = (grade) => GRADE_TEXT[grade] || "Not judged";

  function judgeNode(c, hit) {
    const hidden = (name, value) => h("input", { type: "hidden", name, value });
    const button = (grade, text) => h("button", { type: "submit", name: "grade", value: grade },
      text, h("span", { class: "visually-hidden" }, `: ${hit.title}`));
    return h("form", { class: "judge", action: c.staff.judge, method: "post" },
      hidden("csrf_token", c.staff.csrf), hidden("q", c.q), hidden("entry_id", hit.id),
      hidden("next", Links.searchUrl(c.args)),
      h("span", { class: "judged" }, gradeText(null)), " ",
      button("1", "Relevant"), " ", button("0", "Not relevant"));
  }

  /** _pager.html: first, last and two pages either side of the current one. */
  function pagerNode(c) {
    const last = c.data.pages;
    const current = c.req.page;
    if (last <= 1) return null;
    const shown = new Set([1, last]);
    for (let n = Math.max(current - 2, 1); n <= Math.min(current + 2, last); n += 1) shown.add(n);
    const items = [];
    let previous = 0;
    for (const n of [...shown].sort((a, b) => a - b)) {
      if (n > previous + 1) items.push(h("li", { class: "gap", "aria-hidden": "true" }, "…"));
      items.push(h("li", null, h("a", {
        "aria-current": n === current ? "page" : null, href: Links.pageUrl(c.args, n),
      }, h("span", { class: "visually-hidden" }, "Page "), String(n))));
      previous = n;
    }
    const step = (rel, n, text) => h("li", null, h("a", { rel, href: Links.pageUrl(c.args, n) }, text));
    return h("nav", { class: "pager", "aria-label": "Pages of results" }, h("ul", null,
      current > 1 ? step("prev", current - 1, "‹ Previous") : null,
      items,
      current < last ? step("next", current + 1, "Next ›") : null));
  }

  const RELAX_WORDS = { theme: "theme", author: "author", type: "type", date: "dates" };

  /** _noresults.html */
  function noResultsNode(c) {
    const withoutAny = h("a", { href: Links.withoutFilters(c.args) }, "search without any filter");
    return h("div", { class: "noresults", id: "noresults" },
      h("h2", null, "No entries match", c.q ? ` “${c.q}”` : null, c.filtered ? " with these filters" : null),
      c.data.suggestion ? h("p", null, "Check the spelling: did you mean ", suggestionLink(c), "?") : null,
      relaxationsNodes(c),
      h("p", null, "Or try fewer or more general words", c.filtered ? [", or ", withoutAny] : null, "."),
      popularNodes(c.popular));
  }

  /** "Without theme Energy: 3 results": each filter that, dropped, gives results. */
  function relaxationsNodes(c) {
    const relax = c.data.relaxations || [];
    if (!relax.length) return null;
    const item = (r) => h("li", null,
      h("a", { href: Links.dropFilter(c.args, r.param) }, `Without ${RELAX_WORDS[r.param] || r.param} ${r.label}`),
      `: ${plural(r.total, "result")}`);
    return [h("p", null, "Remove a filter:"), h("ul", { class: "relax" }, relax.map(item))];
  }

  function popularNodes(popular) {
    if (!popular.length) return null;
    const item = (t) => h("li", null,
      h("a", { href: `/search?theme=${quotePath(t.id)}` }, t.label), " ",
      h("span", { class: "count" }, plural(t.count, "entry", "entries")));
    return [h("h3", null, "Popular themes"), h("ul", { class: "popular" }, popular.map(item))];
  }

  const FACETS = [["themes", "Themes", "theme"], ["types", "Types", "type"], ["authors", "Authors", "author"]];

  /** _facets.html: div#facets, one fieldset per facet with values. */
  function facetsNode(c, keepOpen) {
    return h("div", { id: "facets" }, FACETS.map(([name, title, param]) => {
      const shown = name === "authors" ? c.authorsShown : Infinity; // the rest go in "more"
      return facetNode(c.data.facets[name] || [], name, title, param, shown, keepOpen);
    }));
  }

  function facetNode(values, name, title, param, shown, keepOpen) {
    if (!values.length) return null;
    const item = (v, i) => {
      const id = `f-${param}-${i + 1}`;
      return h("li", null,
        h("input", { type: "checkbox", id, name: param, value: v.value, checked: v.selected ? "" : null }), " ",
        h("label", { for: id }, `${v.label || v.value} `, h("span", { class: "count" }, String(v.count))));
    };
    const items = values.map(item);
    const rest = values.slice(shown);
    const more = rest.length ? h("details", {
      class: "more", open: keepOpen || rest.some((v) => v.selected) ? "" : null,
    }, h("summary", null, `${rest.length} more authors`), h("ul", null, items.slice(shown))) : null;
    return h("fieldset", { class: "facet", "data-facet": name },
      h("legend", null, title), h("ul", null, items.slice(0, shown)), more);
  }

  /* ------------------------------------------------------------------------------------
   * Search page controller
   * ------------------------------------------------------------------------------------ */
  function initSearchPage(combo) {
    const el = {
      main: byId("main"), title: byId("results-title"), summary: byId("summary"),
      results: byId("results"), filters: byId("filters"), header: byId("searchform"), q: byId("q"),
    };
    const page = readPageData();
    const pageData = {
      themes: new Map(Object.entries(page.themes || {})), authorsShown: page.authorsShown || 10,
      staff: page.staff || null,
    };
    const site = (document.querySelector("header.site .brand") || {}).textContent || document.title;
    const nav = {
      url: pathAndQuery(location), rendered: location.search, ctrl: null, mode: null, typingTimer: 0,
      recordTimer: 0, recorded: pathAndQuery(location), // the page load itself was recorded
    };
    // Back to this page after moving on in place: its links keep the page's search id.
    if (page.searchId) history.replaceState({ ...history.state, searchId: page.searchId }, "", location.href);
    let popularPromise = null;


    /** Themes with the most entries, for "Popular themes" on zero results (cached). */
    function loadPopular() {
      popularPromise = popularPromise || fetch("/api/v1/themes", { headers: { Accept: "application/json" } })
        .then((res) => (res.ok ? res.json() : { themes: [] }))
        .then((data) => [...data.themes].sort((a, b) => b.count - a.count).slice(0, POPULAR_THEMES))
        .catch(() => {
          popularPromise = null;
          return [];
        });
      return popularPromise;
    }

    function apiUrl(href, record = false) {
      const params = toUrl(href).searchParams;
      params.set("facet_size", String(AUTHOR_FACET_SIZE));
      if (record) params.set("analytics", "1");
      return `/api/v1/search?${params}`;
    }

    function setBusy(busy) {
      for (const node of [el.main, byId("facets")]) {
        if (!node) continue;
        if (busy) node.setAttribute("aria-busy", "true");
        else node.removeAttribute("aria-busy");
      }
    }

    /**
     * Load a search URL from the API and show it. `mode`: "push" (a discrete action),
     * "replace" (typing) or "none" (back/forward: the URL is already there).
     * A newer call aborts an older one, so a slow old answer never overwrites a new one.
     */
    /**
     * `record`: ask the API to count this search (a discrete action; typing does not ask).
     * `searchId`: the id result links carry when the answer brings none (back/forward).
     */
    async function navigate(href, {
      mode = "push", focusTitle = false, typing = false, record = true, searchId = null,
    } = {}) {
      clearTimeout(nav.recordTimer);
      if (nav.ctrl) nav.ctrl.abort();
      if (mode === "replace" && nav.ctrl && nav.mode === "push") mode = "push"; // keep the click's entry
      const ctrl = (nav.ctrl = new AbortController());
      nav.mode = mode;
      nav.url = href;
      setBusy(true);
      try {
        const res = await fetch(apiUrl(href, record), { signal: ctrl.signal, headers: { Accept: "application/json" } });
        if (res.status === 400) return showError(await res.json(), ctrl);
        if (!res.ok) throw new Error(`HTTP ${res.status}`); // 503 and the like: the page explains
        const data = await res.json();
        const popular = data.total ? [] : await loadPopular();
        if (ctrl !== nav.ctrl) return;
        if (record) nav.recorded = href;
        const id = data.search_id || searchId;
        commit(href, mode, id);
        render(data, argsOf(href), popular, { typing, focusTitle, searchId: id });
      } catch {
        if (ctrl.signal.aborted) return;
        // Network trouble: a normal page load of the same URL still works (or explains).
        if (mode === "push") location.assign(href);
        else location.replace(href);
      } finally {
        if (ctrl === nav.ctrl) {
          nav.ctrl = null;
          setBusy(false);
        }
      }
    }

    /** The same URL again (a second Enter, say) replaces, so Back never seems stuck. */
    function commit(href, mode, searchId) {
      const state = searchId ? { searchId } : null;
      if (mode === "push" && href !== pathAndQuery(location)) history.pushState(state, "", href);
      else if (mode !== "none") history.replaceState(state, "", href);
      nav.rendered = location.search;
    }

    /** A 400 (a date that cannot be read, say): the message in #summary, URL unchanged. */
    function showError(body, ctrl) {
      if (ctrl !== nav.ctrl) return;
      const message = (body && body.error && body.error.message) || "That search could not be understood.";
      el.summary.replaceChildren(h("strong", null, "Sorry: "), message);
      announce(message);
      nav.url = pathAndQuery(location);
    }

    function render(data, args, popular, { typing, focusTitle, searchId }) {
      const c = viewContext(data, args, pageData, popular, searchId);
      const focus = rememberFocus();
      renderHeading(c);
      renderResults(c);
      renderFacets(c);
      updateForms(c, typing);
      updateFeeds(args);
      restoreFocus(focus, focusTitle);
      const notices = noticesText();
      announce(notices ? `${plural(data.total, "result")}. ${notices}` : plural(data.total, "result"));
      if (c.staff && c.q) loadGrades(c.q);
    }

    /* --- analytics: a typed query that stays still is recorded once -------------------- */

    /** Ask for the shown search again with analytics=1, then give its links the id. */
    async function recordShown() {
      if (nav.ctrl) { // the typed search is still loading: wait for it
        nav.recordTimer = setTimeout(recordShown, TYPING_DELAY);
        return;
      }
      const href = nav.url;
      if (nav.recorded === href) return;
      nav.recorded = href;
      try {
        const res = await fetch(apiUrl(href, true), { headers: { Accept: "application/json" } });
        if (!res.ok) return;
        const data = await res.json();
        if (nav.url === href && !nav.ctrl && data.search_id) applySearchId(data);
      } catch {
        // Not recorded: the visitor loses nothing.
      }
    }

    /** Result links of the shown results get ?ref=<id>.<position>, if they are the same hits. */
    function applySearchId(data) {
      const links = [...document.querySelectorAll("#hits > li.hit h2 a")];
      const ids = data.hits.map((hit) => hit.id);
      const shown = links.map((a) => decodeURIComponent(toUrl(a.getAttribute("href")).pathname.slice(9)));
      if (shown.length !== ids.length || shown.some((id, i) => id !== ids[i])) return;
      const start = (data.page - 1) * data.per_page + 1;
      links.forEach((a, i) => a.setAttribute("href", entryHref(ids[i], data.search_id, start + i)));
      if (pathAndQuery(location) === nav.url) {
        history.replaceState({ ...history.state, searchId: data.search_id }, "", location.href);
      }
    }

    /* --- staff: judgments ------------------------------------------------------------- */

    /** Show each hit's current judgment for the query (the staff grades endpoint). */
    async function loadGrades(q) {
      try {
        const url = `${pageData.staff.grades}?${new URLSearchParams({ q })}`;
        const res = await fetch(url, { headers: { Accept: "application/json" } });
        if (!res.ok) return;
        const { grades } = await res.json();
        for (const form of document.querySelectorAll("#hits form.judge")) {
          if (form.elements.q.value !== q) continue; // results have moved on
          const grade = grades[form.elements.entry_id.value];
          form.querySelector(".judged").textContent = gradeText(grade);
        }
      } catch {
        // The buttons work without knowing the current judgment.
      }
    }

    /** Send a judgment with fetch and show it in place; the plain form post if that fails. */
    async function judge(form, submitter) {
      const body = new FormData(form);
      const grade = submitter ? submitter.value : "";
      body.set("grade", grade);
      const status = form.querySelector(".judged");
      try {
        const res = await fetch(form.action, { method: "POST", body, headers: { Accept: "application/json" } });
        const data = await res.json();
        const text = res.ok ? gradeText(data.grade) : `Not saved: ${data.error.message}`;
        status.textContent = text;
        announce(text);
      } catch {
        form.append(h("input", { type: "hidden", name: "grade", value: grade }));
        form.submit();
      }
    }

    function renderHeading(c) {
      el.title.textContent = c.q ? `Results for “${c.q}”` : "All entries";
      document.title = `${c.q ? `${c.q} – ` : ""}Search – ${site}`;
      el.summary.replaceChildren(`${plural(c.data.total, "result")}${c.q ? ` for “${c.q}”` : ""} `,
        h("span", { class: "took" }, `in ${pyFixed(c.data.took_ms, 0)} ms`));
    }

    /** Re-rendering #results keeps dates typed but not yet applied in From/To. */
    function renderResults(c) {
      const typed = ["from", "to"].map((id) => byId(id)).filter((i) => i && i.value !== i.defaultValue);
      el.results.replaceChildren(append(document.createDocumentFragment(), resultsNodes(c)));
      for (const old of typed) {
        const fresh = byId(old.id);
        if (fresh) fresh.value = old.value;
      }
    }

    /** "N more authors" stays open if the visitor opened it (nothing ticked inside
     *  forced it open) or focus is inside it (a closed one would swallow the focus). */
    function renderFacets(c) {
      const old = byId("facets");
      const more = old && old.querySelector("details.more[open]");
      const keepOpen = Boolean(more && (more.contains(document.activeElement) || !more.querySelector("input:checked")));
      const fresh = facetsNode(c, keepOpen);
      if (old) old.replaceWith(fresh);
      else el.filters.prepend(fresh);
    }

    /** Hidden inputs: form#filters carries q/sort/per_page, the header form the filters. */
    function updateForms(c, typing) {
      const hidden = (name, value) => h("input", { type: "hidden", name, value });
      el.filters.querySelectorAll(':scope > input[type="hidden"]').forEach((i) => i.remove());
      const keep = [["q", c.q], ["sort", c.req.sort !== "relevance" ? c.req.sort : ""],
        ["per_page", c.req.perPage !== DEFAULT_PER_PAGE ? String(c.req.perPage) : ""]];
      byId("facets").before(...keep.filter(([, v]) => v).map(([k, v]) => hidden(k, v)));

      if (!el.header) return;
      el.header.querySelectorAll('input[type="hidden"]').forEach((i) => i.remove());
      const carried = c.args.filter(([k]) => FILTER_PARAMS.includes(k) || k === "sort" || k === "per_page");
      el.header.querySelector('button[type="submit"]').before(...carried.map(([k, v]) => hidden(k, v)));
      if (el.q && !typing) el.q.value = c.q; // never overwrite what is being typed
    }

    function updateFeeds(args) {
      const feed = Links.searchUrl(args, "/search.atom");
      document.querySelectorAll('link[rel="alternate"][type="application/atom+xml"]')
        .forEach((link) => link.setAttribute("href", feed));
      document.querySelectorAll('footer.site a[href^="/search.atom"]')
        .forEach((a) => a.setAttribute("href", feed));
      // Staff only: "save this search as a collection" follows the search too.
      document.querySelectorAll("a.save-collection")
        .forEach((a) => a.setAttribute("href", Links.searchUrl(args, "/staff/collections/new")));
    }

    /* Focus: re-rendering must never leave focus on a removed element. Before rendering,
     * remember how to find the focused control's twin in the new markup; after, focus
     * the twin, or the results heading when there is none. */
    function rememberFocus() {
      const active = document.activeElement;
      if (!active || !(el.results.contains(active) || el.filters.contains(active))) return null;
      return { element: active, find: twinFinder(active) };
    }

    function twinFinder(node) {
      const all = (selector) => [...document.querySelectorAll(selector)];
      if (node.matches('input[type="checkbox"]')) {
        const { name, value } = node;
        return () => all('#facets input[type="checkbox"]').find((i) => i.name === name && i.value === value)
          || all(`#facets input[type="checkbox"]`).find((i) => i.name === name);
      }
      if (node.matches("a.bar")) {
        const year = node.getAttribute("data-year");
        return () => all("svg.bars a.bar").find((a) => a.getAttribute("data-year") === year);
      }
      if (node.id) return () => byId(node.id);
      if (node.matches(".daterange button")) return () => document.querySelector("#histogram .daterange button");
      if (node.matches("details.more > summary")) return () => document.querySelector("#facets details.more > summary");
      if (node.matches(".controls a")) {
        const group = node.parentElement.className;
        const text = node.textContent;
        return () => all(`.controls p.${group} a`).find((a) => a.textContent === text);
      }
      return () => null;
    }

    function restoreFocus(focus, focusTitle) {
      if (focusTitle) {
        el.title.focus({ preventScroll: true });
        el.title.scrollIntoView({ block: "start" });
        return;
      }
      if (!focus || focus.element.isConnected) return;
      (focus.find() || el.title).focus();
    }

    /* --- what starts a search --------------------------------------------------------- */

    /** Typing: results follow the box (replaceState), current filters kept, page reset. */
    function withQuery(args, text) {
      const index = args.findIndex(([k]) => k === "q");
      const rest = args.filter(([k]) => k !== "q" && k !== "page");
      if (!text) return rest;
      const at = index < 0 ? 0 : args.slice(0, index).filter(([k]) => k !== "page").length;
      rest.splice(at, 0, ["q", text]);
      return rest;
    }

    function onTyping() {
      clearTimeout(nav.typingTimer);
      clearTimeout(nav.recordTimer);
      nav.typingTimer = setTimeout(() => {
        const href = Links.searchUrl(withQuery(argsOf(nav.url), el.q.value.trim()));
        if (href !== nav.url) navigate(href, { mode: "replace", typing: true, record: false });
        nav.recordTimer = setTimeout(recordShown, RECORD_DELAY - TYPING_DELAY);
      }, TYPING_DELAY);
    }

    /** Links to /search inside main and the filters panel, unless opened elsewhere. */
    function onClick(e) {
      if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
      const a = e.target.closest("a[href]");
      if (!a || !a.closest("#main, #filters-panel")) return;
      if ((a.getAttribute("target") || "_self") !== "_self" || a.hasAttribute("download")) return;
      const raw = a.getAttribute("href"); // an SVG <a> has no string .href
      const url = toUrl(raw);
      if (raw.startsWith("#") || url.origin !== location.origin || url.pathname !== "/search") return;
      e.preventDefault();
      clearTimeout(nav.typingTimer);
      navigate(pathAndQuery(url), { focusTitle: Boolean(a.closest("nav.pager")) });
    }

    /** Values as the server reads them (webui/params.py): trimmed; themes and types
     *  lowercased. So unticking "energy" also drops a hand-typed "theme=Energy". */
    const normal = (name, value) => (name === "author" ? value.trim() : value.trim().toLowerCase());

    /** A facet tick re-searches at once with every ticked value, back on page 1. */
    function onFacetChange(e) {
      const box = e.target;
      if (!box.matches('#facets input[type="checkbox"]')) return;
      const mine = normal(box.name, box.value);
      const args = argsOf(nav.url).filter(([k, v]) => k !== "page" && !(k === box.name && normal(k, v) === mine));
      if (box.checked) args.push([box.name, box.value]);
      navigate(Links.searchUrl(args));
    }

    /** The filters form and the header form, as their GET submission would, minus
     *  empty fields, in a stable order (q, filters, then display options). */
    const ORDER = ["q", "theme", "type", "author", "from", "to", "sort", "per_page"];
    function formUrl(form) {
      const rank = (k) => (ORDER.includes(k) ? ORDER.indexOf(k) : ORDER.length);
      const pairs = [...new FormData(form)].filter(([, v]) => typeof v === "string" && v.trim() !== "");
      pairs.sort((a, b) => rank(a[0]) - rank(b[0]));
      return Links.searchUrl(pairs);
    }

    function onSubmit(e) {
      const form = e.target;
      if (form.matches("#hits form.judge")) {
        e.preventDefault();
        judge(form, e.submitter);
        return;
      }
      if (form !== el.filters && form !== el.header) return;
      e.preventDefault();
      clearTimeout(nav.typingTimer);
      if (combo) {
        combo.cancel();
        combo.close();
      }
      navigate(formUrl(form));
    }

    /** Back/forward is not a new search: not recorded; links keep the id it had. */
    function onPopState(e) {
      if (location.pathname !== "/search" || location.search === nav.rendered) return; // e.g. #filters-panel
      clearTimeout(nav.typingTimer);
      const searchId = (e.state && e.state.searchId) || null;
      navigate(pathAndQuery(location), { mode: "none", record: false, searchId });
    }

    document.addEventListener("click", onClick);
    document.addEventListener("submit", onSubmit);
    el.filters.addEventListener("change", onFacetChange);
    if (el.q) el.q.addEventListener("input", onTyping);
    window.addEventListener("popstate", onPopState);
    initHistogramDrag((from, to) => navigate(Links.dateRange(argsOf(nav.url), from, to)));
  }

  /* ------------------------------------------------------------------------------------
   * Histogram drag: press on the chart, move across bars (they get class "dragging"),
   * release to filter from the first to the last bar dragged over. A press and release
   * on one bar stays a plain click on its link. Delegated, as the chart is re-rendered.
   * ------------------------------------------------------------------------------------ */
  function initHistogramDrag(onRange) {
    let drag = null;
    let swallowClickUntil = 0;

    function yearAt(chart, clientX) {
      const box = chart.getBoundingClientRect();
      const first = Number(chart.getAttribute("data-first"));
      const years = Number(chart.getAttribute("data-last")) - first + 1;
      const index = Math.floor(((clientX - box.left) / box.width) * years);
      return first + Math.min(years - 1, Math.max(0, index));
    }

    /** The bars with results between the two years, in order. */
    function barsBetween(chart, a, b) {
      const [lo, hi] = a <= b ? [a, b] : [b, a];
      return [...chart.querySelectorAll("a.bar")].filter((bar) => {
        const year = Number(bar.getAttribute("data-year"));
        return lo <= year && year <= hi;
      });
    }

    function paint() {
      const inRange = new Set(barsBetween(drag.chart, drag.start, drag.end));
      drag.chart.querySelectorAll("a.bar").forEach((bar) => bar.classList.toggle("dragging", inRange.has(bar)));
    }

    function stop() {
      if (!drag) return null;
      const ended = drag;
      drag.chart.querySelectorAll("a.dragging").forEach((bar) => bar.classList.remove("dragging"));
      drag = null;
      return ended;
    }

    document.addEventListener("pointerdown", (e) => {
      swallowClickUntil = 0; // a touch drag ends with no click: never eat the next one
      const chart = e.target instanceof Element ? e.target.closest("svg.bars") : null;
      if (!chart || !e.isPrimary || e.button !== 0) return;
      if (e.pointerType === "mouse") e.preventDefault(); // no text selection or link drag
      const year = yearAt(chart, e.clientX);
      drag = { chart, start: year, end: year, id: e.pointerId };
    });
    document.addEventListener("pointermove", (e) => {
      if (!drag || e.pointerId !== drag.id) return;
      const year = yearAt(drag.chart, e.clientX);
      if (year === drag.end) return;
      drag.end = year;
      paint();
    });
    document.addEventListener("pointerup", (e) => {
      if (!drag || e.pointerId !== drag.id) return;
      const { chart, start, end } = stop();
      if (start === end) return; // a click: the bar's link does the rest
      swallowClickUntil = Date.now() + 500;
      const bars = barsBetween(chart, start, end).map((bar) => bar.getAttribute("data-year"));
      if (bars.length) onRange(bars[0], bars[bars.length - 1]);
    });
    document.addEventListener("pointercancel", stop);
    document.addEventListener("keydown", (e) => {
      if (e.key === "Escape" && drag) stop();
    });
    // The click that ends a drag is not a click on a bar; nor is a native link drag.
    document.addEventListener("click", (e) => {
      if (Date.now() < swallowClickUntil && e.target instanceof Element && e.target.closest("svg.bars")) {
        e.preventDefault();
        e.stopImmediatePropagation();
      }
      swallowClickUntil = 0;
    }, true);
    document.addEventListener("dragstart", (e) => {
      if (e.target instanceof Element && e.target.closest("svg.bars")) e.preventDefault();
    });
  }

  /* ------------------------------------------------------------------------------------
   * Start
   * ------------------------------------------------------------------------------------ */
  function init() {
    const input = byId("q");
    const list = byId("q-options");
    const combo = input && list && input.form ? initCombobox(input, list) : null;
    if (document.body.classList.contains("search") && byId("results") && byId("filters")) {
      initSearchPage(combo);
    }
  }

  // `defer` runs this after parsing; the check keeps it working if loaded otherwise.
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
