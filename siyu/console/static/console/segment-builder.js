/* The customer data pages' behaviours (no npm package, no build step):
 *
 * 1. The segment builder ([data-segment-builder]): an AND/OR group of condition rows that it writes
 *    into the form's JSON rule (the textarea named by data-rule); each change fires "rule-changed" on
 *    the live-count element (data-preview), whose htmx POST is debounced there (hx-trigger delay).
 *    Typing JSON by hand previews what was typed; the rows follow when the builder can show it.
 * 2. Bar charts of the value-model distributions ([data-bars], data from a json_script).
 *
 * The words and choices come from the page (#builder-options), translated by the server.
 */
(function () {
  "use strict";

  var COMPARE = ["gte", "lte", "eq", "gt", "lt"];
  var SHORT_LISTS = ["rfm_class", "lifecycle_stage", "value_tier"];
  var TYPE_ORDER = [
    "field", "tag", "rfm_class", "lifecycle_stage", "value_tier", "semi_private", "loyalty_rung",
    "event", "orders", "coupons", "reachable", "wecom_group", "wecom_contact",
  ];

  function make(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") node.textContent = attrs[k];
      else node.setAttribute(k, attrs[k]);
    });
    (children || []).forEach(function (c) { node.appendChild(c); });
    return node;
  }

  function isInt(v) { return typeof v === "number" && Math.floor(v) === v; }

  function initBuilder(root) {
    var opts = JSON.parse(document.getElementById("builder-options").textContent);
    var W = opts.words;
    var textarea = document.querySelector(root.dataset.rule);
    var preview = document.querySelector(root.dataset.preview);
    var rowsEl = root.querySelector("[data-role=rows]");
    var matchEl = root.querySelector("[data-role=match]");
    var typeEl = root.querySelector("[data-role=new-type]");
    var addEl = root.querySelector("[data-role=add]");
    var noteEl = root.querySelector("[data-role=note]");
    var readonly = root.hasAttribute("data-readonly");
    var fields = {};
    opts.fields.forEach(function (f) { fields[f.name] = f; });
    var opPairs = function (ops) { return ops.map(function (o) { return [o, opts.ops[o]]; }); };
    var rows = []; // each row: a plain state object, {type: ..., ...}

    TYPE_ORDER.forEach(function (t) { typeEl.appendChild(make("option", { value: t, text: W.types[t] })); });

    // ---- a row's controls: [key, kind, choices] where kind is select, number or text ----------------

    function fieldValueControl(f, op) {
      if (op === "is_set" || op === "is_not_set") return null;
      if (op === "month_in") return ["value", "select", opts.months];
      if (op === "within_days" || op === "older_than_days") return ["value", "number", null, 1, 3650];
      if (f.type === "enum" || f.type === "enum_id" || f.type === "bool") return ["value", "select", f.choices];
      if (f.type === "text") return ["value", "text"];
      return ["value", "number", null, 0, null];
    }

    function controls(s) {
      var within = ["days", "number", null, 1, 3650, W.within];
      switch (s.type) {
        case "field":
          var f = fields[s.field];
          var list = [
            ["field", "select", opts.fields.map(function (x) { return [x.name, x.label]; })],
            ["op", "select", opPairs(f.ops)],
          ];
          var v = fieldValueControl(f, s.op);
          return v ? list.concat([v]) : list;
        case "tag":
          return [["has", "select", [[true, W.has], [false, W.has_not]]], ["tag", "select", opts.tags]];
        case "rfm_class":
        case "lifecycle_stage":
        case "value_tier":
          return [["value", "select", opts[s.type]]];
        case "semi_private":
          return [["value", "select", [[true, W.yes], [false, W.no]]]];
        case "loyalty_rung":
          return [["op", "select", opPairs(COMPARE)], ["value", "number", null, 0, 3]];
        case "event":
          return [["kind", "select", opts.event_kinds], ["op", "select", opPairs(COMPARE)],
            ["count", "number", null, 0, 100000, W.times], within];
        case "orders":
          return [["measure", "select", [["count", W.count], ["spend", W.spend]]], ["op", "select", opPairs(COMPARE)],
            ["value", "number", null, 0, null], within];
        case "coupons":
          return [["status", "select", opts.coupon_statuses],
            ["template", "select", [["", W.any_template]].concat(opts.coupon_templates)],
            ["op", "select", opPairs(COMPARE)], ["count", "number", null, 0, 100000], within];
        case "reachable":
          return [["channel", "select", opts.channels]];
        case "wecom_group":
          return [["member", "select", [[true, W.in_group], [false, W.not_in_group]]],
            ["group", "select", opts.wecom_groups]];
        case "wecom_contact":
          return [["value", "select", [[true, W.yes], [false, W.no]]]];
      }
      return [];
    }

    function fresh(type) {
      var first = function (pairs) { return pairs.length ? pairs[0][0] : ""; };
      switch (type) {
        case "field": return { type: type, field: "gender", op: "eq", value: first(fields.gender.choices) };
        case "tag": return { type: type, has: true, tag: first(opts.tags) };
        case "semi_private": return { type: type, value: true };
        case "loyalty_rung": return { type: type, op: "gte", value: 1 };
        case "event": return { type: type, kind: "product_view", op: "gte", count: 1, days: 30 };
        case "orders": return { type: type, measure: "count", op: "gte", value: 1, days: 90 };
        case "coupons": return { type: type, status: "usable", template: "", op: "gte", count: 1, days: "" };
        case "reachable": return { type: type, channel: first(opts.channels) };
        case "wecom_group": return { type: type, member: true, group: first(opts.wecom_groups) };
        case "wecom_contact": return { type: type, value: true };
      }
      return { type: type, value: first(opts[type] || []) };
    }

    // ---- state -> JSON rule --------------------------------------------------------------------

    function num(v) { return v === "" || v === null || v === undefined ? null : Number(v); }
    function scaled(v, by) { var n = num(v); return n === null || isNaN(n) ? n : Math.round(n * by); }
    function cmp(op, v) { return { op: op, value: num(v) }; }
    function withDays(body, days) { if (days !== "" && days !== null && days !== undefined) body.within_days = num(days); return body; }

    function toRule(s) {
      switch (s.type) {
        case "field":
          var f = fields[s.field];
          var node = { field: s.field, op: s.op };
          if (s.op === "is_set" || s.op === "is_not_set") return node;
          if (s.op === "month_in") node.value = [num(s.value)];
          else if (s.op === "within_days" || s.op === "older_than_days") node.value = num(s.value);
          else if (f.type === "text" || f.type === "enum") node.value = s.value;
          else if (f.type === "bool") node.value = s.value === true || s.value === "true";
          else if (f.yuan || f.percent) node.value = scaled(s.value, 100);
          else node.value = num(s.value);
          return node;
        case "tag": return { tag: num(s.tag), has: s.has === true || s.has === "true" };
        case "rfm_class":
        case "lifecycle_stage":
        case "value_tier":
          var short = {}; short[s.type] = [s.value]; return short;
        case "semi_private": return { semi_private: s.value === true || s.value === "true" };
        case "loyalty_rung": return { loyalty_rung: cmp(s.op, s.value) };
        case "event": return withDays({ event: s.kind, count: cmp(s.op, s.count) }, s.days);
        case "orders":
          var body = {};
          body[s.measure] = s.measure === "spend" ? { op: s.op, value: scaled(s.value, 100) } : cmp(s.op, s.value);
          return { orders: withDays(body, s.days) };
        case "coupons":
          var c = { status: s.status, count: cmp(s.op, s.count) };
          if (s.template !== "" && s.template !== null) c.template = num(s.template);
          return { coupons: withDays(c, s.days) };
        case "reachable": return { reachable: s.channel };
        case "wecom_group": return { wecom_group: num(s.group), member: s.member === true || s.member === "true" };
        case "wecom_contact": return { wecom_contact: s.value === true || s.value === "true" };
      }
      return null;
    }

    function currentRule() {
      var group = {};
      group[matchEl.value] = rows.map(toRule);
      return group;
    }

    // ---- JSON rule -> state (the shapes the builder writes; anything else stays JSON) --------------

    function keysIn(obj, allowed) {
      return obj && typeof obj === "object" && !Array.isArray(obj) &&
        Object.keys(obj).every(function (k) { return allowed.indexOf(k) >= 0; });
    }
    function compareOf(c) { return keysIn(c, ["op", "value"]) && COMPARE.indexOf(c.op) >= 0 && isInt(c.value) ? c : null; }
    function daysOf(body) { return body.within_days === undefined ? "" : body.within_days; }

    function fromNode(n) {
      if (!n || typeof n !== "object" || Array.isArray(n)) return null;
      var keys = Object.keys(n);
      if ("field" in n && keysIn(n, ["field", "op", "value"])) {
        var f = fields[n.field];
        if (!f || f.ops.indexOf(n.op) < 0) return null;
        var v = n.value;
        if (n.op === "month_in") { if (!Array.isArray(v) || v.length !== 1) return null; v = v[0]; }
        else if ((f.yuan || f.percent) && isInt(v)) v = v / 100;
        return { type: "field", field: n.field, op: n.op, value: v === undefined ? "" : v };
      }
      if ("tag" in n && keysIn(n, ["tag", "has"])) {
        var t = Array.isArray(n.tag) ? (n.tag.length === 1 ? n.tag[0] : null) : n.tag;
        return isInt(t) ? { type: "tag", tag: t, has: n.has !== false } : null;
      }
      if (keys.length === 1 && SHORT_LISTS.indexOf(keys[0]) >= 0) {
        var list = Array.isArray(n[keys[0]]) ? n[keys[0]] : [n[keys[0]]];
        return list.length === 1 ? { type: keys[0], value: list[0] } : null;
      }
      if (keys.length === 1 && keys[0] === "semi_private") return { type: "semi_private", value: n.semi_private === true };
      if (keys.length === 1 && keys[0] === "loyalty_rung") {
        var r = compareOf(n.loyalty_rung);
        return r ? { type: "loyalty_rung", op: r.op, value: r.value } : null;
      }
      if ("event" in n && keysIn(n, ["event", "count", "within_days"])) {
        var ec = n.count === undefined ? { op: "gte", value: 1 } : compareOf(n.count);
        return ec ? { type: "event", kind: n.event, op: ec.op, count: ec.value, days: daysOf(n) } : null;
      }
      if (keys.length === 1 && keys[0] === "orders" && keysIn(n.orders, ["count", "spend", "within_days"])) {
        var o = n.orders;
        if (o.count !== undefined && o.spend !== undefined) return null;
        var measure = o.spend !== undefined ? "spend" : "count";
        var oc = o[measure] === undefined ? { op: "gte", value: 1 } : compareOf(o[measure]);
        if (!oc) return null;
        return { type: "orders", measure: measure, op: oc.op, value: measure === "spend" ? oc.value / 100 : oc.value, days: daysOf(o) };
      }
      if (keys.length === 1 && keys[0] === "coupons" && keysIn(n.coupons, ["status", "template", "count", "within_days"])) {
        var b = n.coupons;
        var cc = b.count === undefined ? { op: "gte", value: 1 } : compareOf(b.count);
        if (!cc) return null;
        return { type: "coupons", status: b.status || "any", template: b.template || "", op: cc.op, count: cc.value, days: daysOf(b) };
      }
      if (keys.length === 1 && keys[0] === "reachable") return { type: "reachable", channel: n.reachable };
      if ("wecom_group" in n && keysIn(n, ["wecom_group", "member"])) {
        var g = Array.isArray(n.wecom_group) ? (n.wecom_group.length === 1 ? n.wecom_group[0] : null) : n.wecom_group;
        return isInt(g) ? { type: "wecom_group", group: g, member: n.member !== false } : null;
      }
      if (keys.length === 1 && keys[0] === "wecom_contact") return { type: "wecom_contact", value: n.wecom_contact === true };
      return null;
    }

    function fromRule(rule) {
      if (!rule || typeof rule !== "object" || Array.isArray(rule)) return null;
      var keys = Object.keys(rule);
      if (keys.length && keys[0] !== "all" && keys[0] !== "any") {
        var single = fromNode(rule); // one condition alone is a group of one
        return single ? { match: "all", rows: [single] } : null;
      }
      if (keys.length !== 1 || !Array.isArray(rule[keys[0]])) return null;
      var states = rule[keys[0]].map(fromNode);
      if (states.some(function (s) { return s === null; })) return null;
      return { match: keys[0], rows: states };
    }

    // ---- rendering -----------------------------------------------------------------------------

    function control(s, spec, index) {
      var key = spec[0], kind = spec[1];
      var input;
      if (kind === "select") {
        input = make("select", { "data-key": key });
        spec[2].forEach(function (pair) {
          var option = make("option", { value: String(pair[0]), text: pair[1] });
          if (String(pair[0]) === String(s[key])) option.selected = true;
          input.appendChild(option);
        });
      } else {
        input = make("input", { type: kind === "number" ? "number" : "text", "data-key": key, value: s[key] === undefined || s[key] === null ? "" : String(s[key]) });
        if (kind === "number") {
          input.setAttribute("step", "any");
          if (spec[3] !== null && spec[3] !== undefined) input.setAttribute("min", spec[3]);
          if (spec[4] !== null && spec[4] !== undefined) input.setAttribute("max", spec[4]);
          input.style.width = "7em";
        } else {
          input.setAttribute("maxlength", "64");
        }
      }
      input.setAttribute("aria-label", W.types[s.type] + " " + key);
      input.dataset.row = index;
      if (readonly) input.disabled = true;
      return input;
    }

    function render() {
      rowsEl.textContent = "";
      rows.forEach(function (s, i) {
        var item = make("li", { "class": "inline-form", "data-row": i, "data-type": s.type });
        item.style.flexWrap = "wrap";
        item.style.margin = "6px 0";
        item.appendChild(make("strong", { text: W.types[s.type] }));
        controls(s).forEach(function (spec) {
          if (spec[5]) item.appendChild(make("span", { "class": "muted small", text: spec[5] }));
          item.appendChild(control(s, spec, i));
        });
        if (!readonly) {
          var remove = make("button", { type: "button", "class": "link", "data-remove": i, text: W.remove });
          item.appendChild(remove);
        }
        rowsEl.appendChild(item);
      });
    }

    function read(value, spec) {
      if (spec && spec[1] === "select") {
        var pair = spec[2].filter(function (p) { return String(p[0]) === value; })[0];
        return pair ? pair[0] : value;
      }
      return value;
    }

    function changed(writeJson) {
      if (writeJson) textarea.value = JSON.stringify(currentRule(), null, 2);
      noteEl.textContent = "";
      if (rows.length || !writeJson) {
        htmx.trigger(preview, "rule-changed");
      } else {
        preview.textContent = "";
        preview.appendChild(make("p", { "class": "muted", text: W.empty }));
      }
    }

    rowsEl.addEventListener("change", function (event) {
      var input = event.target;
      var i = Number(input.dataset.row);
      var s = rows[i];
      if (!s) return;
      var key = input.dataset.key;
      var spec = controls(s).filter(function (c) { return c[0] === key; })[0];
      s[key] = read(input.value, spec);
      if (s.type === "field" && key === "field") {
        var f = fields[s.field];
        s.op = f.ops[0];
        s.value = f.choices.length ? f.choices[0][0] : "";
        render();
      } else if (s.type === "field" && key === "op") {
        var c = fieldValueControl(fields[s.field], s.op);
        if (c && c[1] === "select" && !c[2].some(function (p) { return String(p[0]) === String(s.value); })) s.value = c[2][0][0];
        if (c && c[1] === "number" && typeof s.value !== "number") s.value = "";
        render();
      }
      changed(true);
    });
    rowsEl.addEventListener("input", function (event) {
      if (event.target.tagName === "INPUT") {
        var s = rows[Number(event.target.dataset.row)];
        if (s) { s[event.target.dataset.key] = event.target.value; changed(true); }
      }
    });
    rowsEl.addEventListener("click", function (event) {
      var button = event.target.closest("[data-remove]");
      if (!button) return;
      rows.splice(Number(button.dataset.remove), 1);
      render();
      changed(true);
    });
    addEl.addEventListener("click", function () {
      rows.push(fresh(typeEl.value));
      render();
      changed(true);
    });
    matchEl.addEventListener("change", function () { changed(true); });
    textarea.addEventListener("input", function () {
      var parsed = null;
      try { parsed = fromRule(JSON.parse(textarea.value)); } catch (e) { parsed = null; }
      if (parsed) {
        rows = parsed.rows;
        matchEl.value = parsed.match;
        render();
      }
      changed(false);
      if (!parsed) noteEl.textContent = W.manual;
    });
    if (readonly) { addEl.disabled = true; typeEl.disabled = true; matchEl.disabled = true; }

    var initial = null;
    try { initial = fromRule(JSON.parse(textarea.value)); } catch (e) { initial = null; }
    if (initial) {
      rows = initial.rows;
      matchEl.value = initial.match;
      render();
      if (rows.length) htmx.trigger(preview, "rule-changed");
    } else {
      noteEl.textContent = W.manual;
      htmx.trigger(preview, "rule-changed");
    }
  }

  // ---- bar charts ------------------------------------------------------------------------------

  function drawBars(el) {
    if (!window.echarts) return;
    var source = document.getElementById(el.dataset.source);
    if (!source) return;
    var data = JSON.parse(source.textContent)[el.dataset.bars];
    var old = echarts.getInstanceByDom(el);
    if (old) old.dispose();
    echarts.init(el).setOption({
      color: ["#155bd4"],
      animation: false,
      grid: { left: 48, right: 16, top: 16, bottom: 72 },
      tooltip: { trigger: "axis" },
      xAxis: { type: "category", data: data.labels, axisLabel: { interval: 0, rotate: data.labels.length > 4 ? 30 : 0 } },
      yAxis: { type: "value", minInterval: 1 },
      series: [{ type: "bar", data: data.values, barMaxWidth: 40 }],
    });
  }

  // htmx.onLoad runs once htmx has processed the page (so the live count's trigger is bound), and
  // again for each fragment it swaps in (the preview), where there is nothing of ours to start.
  htmx.onLoad(function (root) {
    root.querySelectorAll("[data-segment-builder]").forEach(function (el) {
      if (!el.dataset.started) { el.dataset.started = "1"; initBuilder(el); }
    });
    root.querySelectorAll("[data-bars]").forEach(drawBars);
  });

  window.addEventListener("resize", function () {
    if (!window.echarts) return;
    document.querySelectorAll("[data-bars]").forEach(function (el) {
      var chart = echarts.getInstanceByDom(el);
      if (chart) chart.resize();
    });
  });
})();
