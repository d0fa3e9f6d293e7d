"""``<workdir>/report.html``: one self-contained page per run (config, metrics, per-class
tables, every figure inlined), readable offline in any browser.

Built from the same dict as ``metrics.json``. Tables: the scalar results first (the
"metrics" table), then one table per nested result — a dict of dicts (per class, per
defect type) as rows x columns, a list of dicts (one row per variant or model) as rows.
Figures: every PNG under the workdir (TensorBoard logs and hidden folders skipped), base64
inlined. Written by hand because no maintained library in the stack renders a results
dict to HTML; the page has no external resources, so it opens from a file share or e-mail.
"""

from __future__ import annotations

import base64
import datetime
import html
import json
import math
import os

REPORT_PAGE = "report.html"
_STYLE = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2em;color:#222;
max-width:1400px}
h1{font-size:1.6em}h2{font-size:1.25em;margin-top:1.6em;border-bottom:1px solid #ccc}
table{border-collapse:collapse;margin:.5em 0 1em;display:block;overflow-x:auto;max-width:100%}
th,td{border:1px solid #bbb;padding:.25em .6em;text-align:right;font-variant-numeric:tabular-nums}
th{background:#f0f0f0}td.key,th.key{text-align:left}
figure{margin:1em 0}figure img{max-width:100%;border:1px solid #ddd}
figcaption{font-size:.9em;color:#555}pre{background:#f6f6f6;padding:1em;overflow:auto}
"""
# marks on <body> how many figures decoded and how many tables there are, once the page has
# loaded: a browser test reads them from the DOM
_SCRIPT = """
window.addEventListener('load', function () {
  var images = Array.prototype.slice.call(document.images);
  var decoded = images.filter(function (i) { return i.complete && i.naturalWidth > 0; });
  document.body.setAttribute('data-figures-decoded', decoded.length + '/' + images.length);
  document.body.setAttribute('data-tables', document.getElementsByTagName('table').length);
});
"""


def _cell(value) -> str:
    if isinstance(value, bool) or value is None:
        return html.escape(str(value))
    if isinstance(value, float):
        if math.isnan(value):
            return "–"
        return f"{value:.4f}" if abs(value) < 1e4 else f"{value:.4g}"
    if isinstance(value, (list, tuple)) and len(value) > 8:
        return html.escape(f"[{len(value)} values]")
    return html.escape(str(value))


def _is_scalar(value) -> bool:
    return not isinstance(value, (dict, list, tuple)) or (
        isinstance(value, (list, tuple)) and all(not isinstance(v, (dict, list)) for v in value)
    )


def _key_value_table(items: dict, table_id: str | None = None) -> str:
    rows = "".join(
        f'<tr><td class="key">{html.escape(str(k))}</td><td>{_cell(v)}</td></tr>'
        for k, v in items.items()
    )
    ident = f' id="{table_id}"' if table_id else ""
    return f'<table{ident}><tr><th class="key">name</th><th>value</th></tr>{rows}</table>'


def _rows_table(rows: list[dict]) -> str:
    columns: list[str] = []
    for row in rows:
        columns += [k for k, v in row.items() if k not in columns and _is_scalar(v)]
    head = "".join(f"<th>{html.escape(c)}</th>" for c in columns)
    body = "".join(
        "<tr>"
        + "".join(
            f"<td{' class=key' if i == 0 else ''}>{_cell(row.get(c))}</td>"
            for i, c in enumerate(columns)
        )
        + "</tr>"
        for row in rows
    )
    return f"<table><tr>{head}</tr>{body}</table>"


def _sections(results, title: str, depth: int = 0) -> list[str]:
    """HTML for one results value: its scalars as a table, its nested parts below."""
    parts: list[str] = []
    level = min(2 + depth, 4)
    if (
        isinstance(results, dict)
        and results
        and all(
            isinstance(v, dict) and all(_is_scalar(x) for x in v.values()) for v in results.values()
        )
    ):  # per class / per type: one row each
        parts.append(f"<h{level}>{html.escape(title)}</h{level}>")
        parts.append(_rows_table([{"": name, **inner} for name, inner in results.items()]))
    elif isinstance(results, dict):
        scalars = {k: v for k, v in results.items() if _is_scalar(v)}
        nested = {k: v for k, v in results.items() if not _is_scalar(v)}
        if scalars:
            parts.append(f"<h{level}>{html.escape(title)}</h{level}>")
            parts.append(_key_value_table(scalars, "metrics" if depth == 0 else None))
        for key, value in nested.items():
            if (
                isinstance(value, dict)
                and value
                and all(isinstance(v, dict) for v in value.values())
            ):
                rows = [{"": name, **inner} for name, inner in value.items()]
                parts.append(f"<h{level + 1}>{html.escape(key)}</h{level + 1}>")
                parts.append(_rows_table(rows))
                for name, inner in value.items():
                    for inner_key, deeper in inner.items():
                        if not _is_scalar(deeper):
                            parts += _sections(deeper, f"{name}: {inner_key}", depth + 1)
            elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
                parts.append(f"<h{level + 1}>{html.escape(key)}</h{level + 1}>")
                parts.append(_rows_table(value))
                for index, row in enumerate(value):
                    label = row.get("variant") or row.get("model") or row.get("name") or index
                    for inner_key, deeper in row.items():
                        if not _is_scalar(deeper):
                            parts += _sections(deeper, f"{label}: {inner_key}", depth + 1)
            else:
                parts += _sections(value, key, depth + 1)
    elif isinstance(results, list):
        parts.append(f"<h{level}>{html.escape(title)}</h{level}>")
        parts.append(_rows_table([r if isinstance(r, dict) else {"value": r} for r in results]))
    return parts


def run_figures(workdir: str) -> list[str]:
    """Every PNG under ``workdir`` (sorted; hidden folders and TensorBoard logs skipped)."""
    found = []
    for folder, subfolders, files in os.walk(workdir):
        subfolders[:] = sorted(d for d in subfolders if not d.startswith(".") and d != "logs")
        found += [os.path.join(folder, f) for f in sorted(files) if f.lower().endswith(".png")]
    return found


def render_report_page(report: dict, figures=()) -> str:
    """The HTML text of a run report dict (``metrics.json``'s layout) and figure paths."""
    recipe = report.get("recipe", "run")
    parts = [
        "<!DOCTYPE html><html lang=en><head><meta charset=utf-8>",
        f"<title>{html.escape(recipe)} report</title><style>{_STYLE}</style>",
        f"<script>{_SCRIPT}</script></head><body>",
        f"<h1>{html.escape(recipe)}</h1>",
        f"<p>created {html.escape(str(report.get('created', '')))} · tfdefect "
        f"{html.escape(str(report.get('library_version', '')))}</p>",
    ]
    sections = _sections(report.get("results", {}), "Metrics")
    if sections and not any('id="metrics"' in part for part in sections):
        first = next((i for i, part in enumerate(sections) if part.startswith("<table")), None)
        if first is not None:  # no scalar results: the first table is the metrics table
            sections[first] = sections[first].replace("<table", '<table id="metrics"', 1)
    parts += sections
    exports = report.get("exports") or []
    if exports:
        parts.append("<h2>Exports</h2><ul>")
        parts += [f"<li><code>{html.escape(str(e))}</code></li>" for e in exports]
        parts.append("</ul>")
    if figures:
        parts.append("<h2>Figures</h2>")
    for path in figures:
        with open(path, "rb") as handle:
            encoded = base64.b64encode(handle.read()).decode("ascii")
        name = html.escape(os.path.basename(path))
        parts.append(
            f'<figure><img alt="{name}" src="data:image/png;base64,{encoded}">'
            f"<figcaption>{html.escape(path)}</figcaption></figure>"
        )
    parts.append("<h2>Config</h2>")
    config = json.dumps(report.get("config", {}), indent=2, default=str)
    parts.append(f"<pre>{html.escape(config)}</pre>")
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    parts.append(f"<p><small>page written {stamp}</small></p></body></html>")
    return "\n".join(parts)
