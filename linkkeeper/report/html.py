"""report.html: one self-contained page (no network: no CDN, no web fonts) with a health summary,
inline SVG charts (verdicts, the least healthy domains, health over past runs) and a sortable,
filterable table of links. Readable on a phone; labelled for screen readers.

Sorting and filtering also read and write the URL's fragment (``#sort=status&dir=desc&verdict=dead
&q=text``), so a view can be linked to, and tested in a browser without scripting the clicks.
"""

from __future__ import annotations

import html
import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from urllib.parse import urlsplit

from linkkeeper import __version__
from linkkeeper.models import Entry, Occurrence, RunReport, Snapshot, Verdict
from linkkeeper.report.archive import describe
from linkkeeper.report.markdown import as_written, verdict_of

COLOURS = {
    "alive": "#1a7f37", "redirected": "#0969da", "failing": "#9a6700", "dead": "#cf222e",
    "blocked": "#8250df", "excluded": "#57606a", "skipped": "#6e7781",
}  # fmt: skip
RunSummary = tuple[int, str, dict[str, int]]
_HTML_SPECIAL = re.compile("[&<>\"']")

_STYLE = """
:root{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1f2328;background:#fff}
body{margin:0 auto;max-width:1100px;padding:1rem;line-height:1.45}
h1{font-size:1.6rem;margin:.2rem 0}h2{font-size:1.2rem;margin:1.6rem 0 .6rem}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(120px,1fr));gap:.6rem}
.card{border:1px solid #d0d7de;border-radius:8px;padding:.6rem}
.card b{display:block;font-size:1.5rem}
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(300px,1fr));gap:1rem}
figure{margin:0;border:1px solid #d0d7de;border-radius:8px;padding:.6rem}
figcaption{font-weight:600;margin-bottom:.4rem}svg{width:100%;height:auto}
.controls{display:flex;flex-wrap:wrap;gap:.6rem;align-items:end;margin:.6rem 0}
label{display:flex;flex-direction:column;font-size:.85rem}
input,select{font:inherit;padding:.3rem;border:1px solid #6e7781;border-radius:6px}
table{border-collapse:collapse;width:100%;font-size:.9rem}
th,td{border-bottom:1px solid #d0d7de;padding:.4rem;text-align:left;vertical-align:top}
th button{font:inherit;font-weight:600;background:none;border:0;padding:0;cursor:pointer;color:inherit}
td.url{word-break:break-all}.badge{display:inline-block;border-radius:1em;padding:0 .5em;color:#fff;font-size:.8rem}
ul.places{margin:0;padding-left:1rem}a{color:#0550ae}
@media (max-width:640px){thead{display:none}tr{display:block;border-bottom:2px solid #d0d7de}
td{display:block;border:0;padding:.2rem}td::before{content:attr(data-label) ": ";font-weight:600}}
"""

_SCRIPT = """
(function(){
  const table=document.getElementById('links'),body=table.tBodies[0];
  const rows=Array.from(body.rows),q=document.getElementById('q'),v=document.getElementById('verdict');
  const count=document.getElementById('shown');let sort=null,dir='asc';
  function params(){const p=new URLSearchParams(location.hash.slice(1));
    if(p.get('q')!==null)q.value=p.get('q');if(p.get('verdict')!==null)v.value=p.get('verdict');
    if(p.get('sort'))sort=p.get('sort');if(p.get('dir'))dir=p.get('dir');}
  function save(){const p=new URLSearchParams();if(q.value)p.set('q',q.value);if(v.value)p.set('verdict',v.value);
    if(sort){p.set('sort',sort);p.set('dir',dir);}history.replaceState(null,'','#'+p.toString());}
  function apply(){const text=q.value.toLowerCase();let shown=0;
    if(sort){const key=sort;rows.sort((a,b)=>{const x=a.dataset[key]||'',y=b.dataset[key]||'';
      const n=parseFloat(x)-parseFloat(y);const c=isNaN(n)?x.localeCompare(y):n;return dir==='asc'?c:-c;});
      rows.forEach(r=>body.appendChild(r));}
    rows.forEach(r=>{const ok=(!v.value||r.dataset.verdict===v.value)&&(!text||r.textContent.toLowerCase().includes(text));
      r.hidden=!ok;if(ok)shown++;});
    count.textContent=shown+' of '+rows.length+' links shown';
    table.querySelectorAll('th[data-key]').forEach(th=>th.setAttribute('aria-sort',
      th.dataset.key===sort?(dir==='asc'?'ascending':'descending'):'none'));}
  table.querySelectorAll('th[data-key] button').forEach(b=>b.addEventListener('click',()=>{
    const key=b.parentElement.dataset.key;dir=(sort===key&&dir==='asc')?'desc':'asc';sort=key;apply();save();}));
  q.addEventListener('input',()=>{apply();save();});v.addEventListener('change',()=>{apply();save();});
  params();apply();document.body.dataset.ready='true';
})();
"""


def _e(text: object) -> str:
    value = str(text)
    return html.escape(value, quote=True) if _HTML_SPECIAL.search(value) else value


def _bars(title: str, items: Sequence[tuple[str, int, str]], unit: str) -> str:
    """A horizontal bar chart as inline SVG."""
    if not items:
        return f"<figure><figcaption>{_e(title)}</figcaption><p>Nothing to show.</p></figure>"
    width, row = 320, 26
    top = max(value for _, value, _ in items) or 1
    parts = [f'<svg viewBox="0 0 {width} {row * len(items) + 4}" role="img" aria-labelledby="t-{abs(hash(title))}">',
             f'<title id="t-{abs(hash(title))}">{_e(title)}</title>']  # fmt: skip
    for index, (label, value, colour) in enumerate(items):
        y = index * row + 2
        bar = max(2, int((width - 170) * value / top))
        parts.append(f'<text x="0" y="{y + 16}" font-size="12">{_e(label[:24])}</text>')
        parts.append(f'<rect class="bar" x="120" y="{y + 4}" width="{bar}" height="16" fill="{colour}"><title>'
                     f'{_e(label)}: {value} {unit}</title></rect>')  # fmt: skip
        parts.append(f'<text x="{124 + bar}" y="{y + 16}" font-size="12">{value}</text>')
    parts.append("</svg>")
    return f"<figure><figcaption>{_e(title)}</figcaption>{''.join(parts)}</figure>"


def _trend(summaries: Sequence[RunSummary]) -> str:
    """Failing links (broken + error) per past run, as a line over the runs."""
    title = "Failing links over past runs"
    if len(summaries) < 2:
        return f"<figure><figcaption>{title}</figcaption><p>Needs two runs or more.</p></figure>"
    width, height = 320, 140
    values = [counts.get("broken", 0) + counts.get("error", 0) for _, _, counts in summaries]
    totals = [sum(counts.values()) or 1 for _, _, counts in summaries]
    top = max(values) or 1
    step = (width - 20) / (len(values) - 1)
    points = " ".join(
        f"{10 + i * step:.1f},{height - 20 - (height - 40) * value / top:.1f}" for i, value in enumerate(values)
    )
    dots = "".join(
        f'<circle class="point" cx="{10 + i * step:.1f}" cy="{height - 20 - (height - 40) * value / top:.1f}" r="3" '
        f'fill="#cf222e"><title>run {run}, {started[:10]}: {value} failing of {total}</title></circle>'
        for i, ((run, started, _), value, total) in enumerate(zip(summaries, values, totals, strict=True))
    )
    return (
        f'<figure><figcaption>{title}</figcaption><svg viewBox="0 0 {width} {height}" role="img" aria-label="{title}">'
        f'<polyline fill="none" stroke="#cf222e" stroke-width="2" points="{points}"/>{dots}'
        f'<text x="10" y="{height - 4}" font-size="11">{_e(summaries[0][1][:10])}</text>'
        f'<text x="{width - 80}" y="{height - 4}" font-size="11">{_e(summaries[-1][1][:10])}</text></svg></figure>'
    )


def _domains(entries: Sequence[Entry]) -> list[tuple[str, int, str]]:
    bad: Counter[str] = Counter()
    for entry in entries:
        if verdict_of(entry) in (Verdict.DEAD, Verdict.FAILING, Verdict.BLOCKED):
            bad[(urlsplit(entry.target.url).hostname or "?").removeprefix("www.")] += 1
    return [(domain, count, COLOURS["dead"]) for domain, count in bad.most_common(8)]


_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")
_IGNORED_BY_BROWSERS = re.compile(r"[\x00-\x20\x7f]")  # stripped or skipped before a scheme is read


def _link(url: str, text: str, extra: str = "") -> str:
    """A link a reader may click: http(s) and relative URLs only; anything else (javascript:,
    data:, a scheme hidden behind a tab) is shown as text."""
    scheme = _SCHEME.match(url)
    clickable = not _IGNORED_BY_BROWSERS.search(url) and (
        scheme is None or scheme.group().lower() in ("http:", "https:")
    )
    if not clickable:
        return f'<span class="inert">{_e(text)}</span>'
    return f'<a href="{_e(url)}"{extra}>{_e(text)}</a>'


def _local(entry: Entry, occ: Occurrence) -> bool:
    """A local link whose place should show it as written (the row shows the resolved path)."""
    return as_written(entry, occ) != entry.target.url


def _row(entry: Entry) -> str:
    verdict = verdict_of(entry).value
    result = entry.result
    status = result.status_code if result.status_code is not None else ""
    reason = result.error or (
        "moved to " + result.final_url if result.final_url and result.final_url != entry.target.url else ""
    )
    if reason == f"HTTP {status}":
        reason = ""  # the status already says it
    places = "".join(
        f"<li>{_e(o.path)}:{o.line}:{o.column}" + (f" <code>{_e(o.url)}</code>" if _local(entry, o) else "") + "</li>"
        for o in entry.target.occurrences
    )
    archived = ""
    if isinstance(entry.snapshot, Snapshot):
        archived = _link(entry.snapshot.archive_url, f"archived {entry.snapshot.timestamp[:8]}")
    elif entry.snapshot is not None:
        archived = _e(describe(entry.snapshot))
    link = _link(entry.target.url, entry.target.url, ' rel="noreferrer"')
    return (
        f'<tr data-verdict="{verdict}" data-link="{_e(entry.target.url)}" data-status="{status}" '
        f'data-since="{_e(entry.since or "")}" data-places="{len(entry.target.occurrences)}">'
        f'<td class="url" data-label="Link">{link}</td>'
        f'<td data-label="Verdict"><span class="badge" style="background:{COLOURS.get(verdict, "#57606a")}">{verdict}</span></td>'
        f'<td data-label="Status">{status} {_e(reason)}</td><td data-label="Since">{_e((entry.since or "")[:10])}</td>'
        f'<td data-label="Places"><ul class="places">{places}</ul></td><td data-label="Archived copy">{archived}</td></tr>'
    )


def to_html(report: RunReport, summaries: Sequence[RunSummary] = ()) -> str:
    counts: Counter[str] = Counter(verdict_of(entry).value for entry in report.entries)
    cards = "".join(
        f'<div class="card"><b style="color:{COLOURS[name]}">{counts.get(name, 0)}</b>{name}</div>' for name in COLOURS
    )
    verdict_bars = [(name, counts[name], COLOURS[name]) for name in COLOURS if counts.get(name)]
    by_verdict: dict[str, list[Entry]] = defaultdict(list)
    for entry in report.entries:
        by_verdict[verdict_of(entry).value].append(entry)
    order = ["dead", "failing", "blocked", "redirected", "alive", "excluded", "skipped"]
    rows = "".join(_row(entry) for name in order for entry in by_verdict.get(name, []))
    options = "".join(f'<option value="{name}">{name}</option>' for name in order)
    headers = [("link", "Link"), ("verdict", "Verdict"), ("status", "Status"), ("since", "Since"),
               ("places", "Places"), (None, "Archived copy")]  # fmt: skip
    head = "".join(
        f'<th scope="col" data-key="{key}" aria-sort="none"><button type="button">{label}</button></th>'
        if key
        else f'<th scope="col">{label}</th>'
        for key, label in headers
    )
    warning = (
        '<p role="alert"><strong>Network unreachable:</strong> no link was judged.</p>' if report.network_down else ""
    )
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Link health: {len(report.entries)} links</title><style>{_STYLE}</style></head>
<body><header><h1>Link health</h1><p>{report.files} file(s), {len(report.entries)} unique link(s), run
{_e(report.run_id or "-")} started {_e(report.started_at)}. linkkeeper {__version__}.</p>{warning}</header>
<main><section aria-label="Summary"><div class="cards">{cards}</div></section>
<section><h2>Charts</h2><div class="charts">{_bars("Links by verdict", verdict_bars, "links")}
{_bars("Least healthy domains", _domains(report.entries), "unhealthy links")}{_trend(summaries)}</div></section>
<section><h2>Links</h2><div class="controls"><label for="q">Search<input id="q" type="search"
placeholder="URL, file, reason"></label><label for="verdict">Verdict<select id="verdict"><option value="">all</option>
{options}</select></label><span id="shown" aria-live="polite"></span></div>
<table id="links"><caption>Every link, with where it is written</caption><thead><tr>{head}</tr></thead>
<tbody>{rows}</tbody></table></section></main><script>{_SCRIPT}</script></body></html>
"""
