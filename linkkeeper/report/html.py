"""report.html: one self-contained page (no network: no CDN, no web fonts) with a health summary,
inline SVG charts (verdicts, the least healthy domains, failing and dead links over past runs, with
axes and the numbers in a table) and a sortable, filterable table of links. Everything is readable
without JavaScript; the script only sorts and filters. Readable and sortable on a phone; labelled
for screen readers. Local files are linked relative to where the page is written, so they open.

Sorting and filtering also read and write the URL's fragment (``#sort=status&dir=desc&verdict=dead
&q=text``), so a view can be linked to.
"""

from __future__ import annotations

import html
import posixpath
import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from urllib.parse import quote, urlsplit

from linkkeeper.models import Entry, Occurrence, Outcome, RunReport, RunSummary, Snapshot, Verdict
from linkkeeper.report.archive import describe
from linkkeeper.report.markdown import as_written, verdict_of
from linkkeeper.report.tls import tls_note
from linkkeeper.report.tls import unverified as tls_unverified
from linkkeeper.version import __version__

COLOURS = {
    "alive": "#1a7f37", "redirected": "#0969da", "failing": "#9a6700", "dead": "#cf222e", "drifted": "#bc4c00",
    "blocked": "#8250df", "excluded": "#57606a", "skipped": "#6e7781",
}  # fmt: skip
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")
_IGNORED_BY_BROWSERS = re.compile(r"[\x00-\x20\x7f]")  # stripped or skipped before a scheme is read
_HTML_SPECIAL = re.compile("[&<>\"']")

_STYLE = """
:root{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1f2328;background:#fff}
body{margin:0 auto;max-width:1200px;padding:1rem;line-height:1.45}
h1{font-size:1.6rem;margin:.2rem 0}h2{font-size:1.2rem;margin:1.6rem 0 .6rem}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(120px,1fr));gap:.6rem}
.card{border:1px solid #d0d7de;border-radius:8px;padding:.6rem}
.card b{display:block;font-size:1.5rem}
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(300px,1fr));gap:1rem}
figure{margin:0;border:1px solid #d0d7de;border-radius:8px;padding:.6rem}
figcaption{font-weight:600;margin-bottom:.4rem}svg{width:100%;height:auto}
details{font-size:.85rem;margin-top:.4rem}table.values{width:auto}table.values td,table.values th{padding:.1rem .5rem}
.controls{display:flex;flex-wrap:wrap;gap:.6rem;align-items:end;margin:.6rem 0}
label{display:flex;flex-direction:column;font-size:.85rem}
input,select{font:inherit;padding:.3rem;border:1px solid #6e7781;border-radius:6px}
table{border-collapse:collapse;width:100%;font-size:.9rem}
table#links{table-layout:fixed}
th,td{border-bottom:1px solid #d0d7de;padding:.4rem;text-align:left;vertical-align:top}
th button{font:inherit;font-weight:600;background:none;border:0;padding:0;cursor:pointer;color:inherit}
td{overflow-wrap:anywhere}.badge{display:inline-block;border-radius:1em;padding:0 .5em;color:#fff;font-size:.8rem}
ul.places{margin:0;padding-left:1rem}a{color:#0550ae}
caption{text-align:left;font-size:.85rem;color:#57606a;padding:.2rem 0}
@media (max-width:640px){table#links thead{display:none}table#links,table#links tbody,table#links caption{display:block}
table#links tr{display:block;border-bottom:2px solid #d0d7de}
table#links td{display:block;border:0;padding:.2rem}table#links td::before{content:attr(data-label) ": ";font-weight:600}}
"""

_SCRIPT = """
(function(){
  const table=document.getElementById('links'),body=table.tBodies[0];
  const original=Array.from(body.rows),q=document.getElementById('q'),v=document.getElementById('verdict');
  const order=document.getElementById('sort'),count=document.getElementById('shown');let rows=original.slice(),sort=null,dir='asc';
  function show(){order.value=sort?sort+':'+dir:'';if(order.selectedIndex<0)order.value='';}
  function params(){const p=new URLSearchParams(location.hash.slice(1));
    if(p.get('q')!==null)q.value=p.get('q');if(p.get('verdict')!==null)v.value=p.get('verdict');
    if(p.get('sort'))sort=p.get('sort');if(p.get('dir'))dir=p.get('dir');show();}
  function save(){const p=new URLSearchParams();if(q.value)p.set('q',q.value);if(v.value)p.set('verdict',v.value);
    if(sort){p.set('sort',sort);p.set('dir',dir);}history.replaceState(null,'','#'+p.toString());}
  function apply(){const text=q.value.toLowerCase();let shown=0;rows=original.slice();
    if(sort){const key=sort==='verdict'?'severity':sort;rows.sort((a,b)=>{const x=a.dataset[key]||'',y=b.dataset[key]||'';
      if(!x||!y)return (!x)-(!y);const n=Number(x)-Number(y);const c=isNaN(n)?x.localeCompare(y):n;return dir==='asc'?c:-c;});}
    rows.forEach(r=>body.appendChild(r));
    rows.forEach(r=>{const ok=(!v.value||r.dataset.verdict===v.value)&&(!text||r.textContent.toLowerCase().includes(text));
      r.hidden=!ok;if(ok)shown++;});
    count.textContent=shown+' of '+rows.length+' links shown';
    table.querySelectorAll('th[data-key]').forEach(th=>th.setAttribute('aria-sort',
      th.dataset.key===sort?(dir==='asc'?'ascending':'descending'):'none'));}
  table.querySelectorAll('th[data-key] button').forEach(b=>b.addEventListener('click',()=>{
    const key=b.parentElement.dataset.key;dir=(sort===key&&dir==='asc')?'desc':'asc';sort=key;show();apply();save();}));
  order.addEventListener('change',()=>{const parts=order.value.split(':');sort=parts[0]||null;dir=parts[1]||'asc';apply();save();});
  q.addEventListener('input',()=>{apply();save();});v.addEventListener('change',()=>{apply();save();});
  document.getElementById('sorting').hidden=false;params();apply();document.body.dataset.ready='true';
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
    """Dead and failing links per past run, stacked, counted as the summary cards count them (by
    verdict); with a y axis, dates, each run's total, and every number again in a table."""
    title = "Failing and dead links over past runs"
    if not summaries:
        return f"<figure><figcaption>{title}</figcaption><p>No completed run in the history yet.</p></figure>"
    width, height, left, bottom, top_margin = 320, 170, 34, 34, 14
    plot_width, plot_height = width - left - 6, height - bottom - top_margin
    series = [(counts.get("dead", 0), counts.get("failing", 0)) for _, _, counts in summaries]
    top = max(dead + failing for dead, failing in series) or 1
    slot = plot_width / len(series)
    bar = max(2.0, slot * 0.7)
    base = top_margin + plot_height

    def y(value: int) -> float:
        return base - plot_height * value / top

    parts = [
        f'<svg viewBox="0 0 {width} {height}" role="img" aria-label="{title}">',
        f'<line x1="{left}" y1="{top_margin}" x2="{left}" y2="{base}" stroke="#57606a"/>',
        f'<line x1="{left}" y1="{base}" x2="{width - 4}" y2="{base}" stroke="#57606a"/>',
    ]
    for tick in sorted({0, top // 2, top}):
        parts.append(
            f'<text class="tick" x="{left - 4}" y="{y(tick) + 4:.1f}" font-size="10" text-anchor="end">{tick}</text>'
        )
        parts.append(f'<line x1="{left}" y1="{y(tick):.1f}" x2="{width - 4}" y2="{y(tick):.1f}" stroke="#d0d7de"/>')
    for index, ((run, started, _), (dead, failing)) in enumerate(zip(summaries, series, strict=True)):
        x = left + index * slot + (slot - bar) / 2
        label = f"run {run}, {started[:10]}: {dead} dead, {failing} failing"
        for value, below, colour in ((dead, 0, COLOURS["dead"]), (failing, dead, COLOURS["failing"])):
            if value:
                parts.append(
                    f'<rect class="point" x="{x:.1f}" y="{y(below + value):.1f}" width="{bar:.1f}" '
                    f'height="{y(below) - y(below + value):.1f}" fill="{colour}"><title>{label}</title></rect>'
                )
        if len(series) <= 16:
            parts.append(
                f'<text class="value" x="{x + bar / 2:.1f}" y="{y(dead + failing) - 3:.1f}" font-size="10" '
                f'text-anchor="middle">{dead + failing}</text>'
            )
    first, last = summaries[0][1][:10], summaries[-1][1][:10]
    parts.append(f'<text x="{left}" y="{height - 18}" font-size="10">{_e(first)}</text>')
    if len(summaries) > 1:
        parts.append(f'<text x="{width - 4}" y="{height - 18}" font-size="10" text-anchor="end">{_e(last)}</text>')
    parts.append(f'<text x="{left + plot_width / 2:.0f}" y="{height - 4}" font-size="10" text-anchor="middle">'
                 f"run (oldest to newest); red: dead, amber: failing</text></svg>")  # fmt: skip
    rows = "".join(
        f"<tr><td>{run}</td><td>{_e(started[:16].replace('T', ' '))}</td><td>{dead}</td><td>{failing}</td></tr>"
        for (run, started, _), (dead, failing) in zip(summaries, series, strict=True)
    )
    table = (
        '<details><summary>The numbers</summary><table class="values"><thead><tr><th scope="col">run</th>'
        '<th scope="col">started (UTC)</th><th scope="col">dead</th><th scope="col">failing</th></tr></thead>'
        f"<tbody>{rows}</tbody></table></details>"
    )
    return f"<figure><figcaption>{title}</figcaption>{''.join(parts)}{table}</figure>"


LOCAL_FILES = "local files"


def _domains(entries: Sequence[Entry]) -> list[tuple[str, int, str]]:
    bad: Counter[str] = Counter()
    for entry in entries:
        if verdict_of(entry) in (Verdict.DEAD, Verdict.FAILING, Verdict.BLOCKED):
            host = urlsplit(entry.target.url).hostname if _SCHEME.match(entry.target.url) else None
            bad[host.removeprefix("www.") if host else LOCAL_FILES] += 1
    return [(domain, count, COLOURS["dead"]) for domain, count in bad.most_common(8)]


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


def _file_href(path: str, links_from: str) -> str | None:
    """A local path (relative to the working directory, as every path in a report is) as a link
    from the report's folder; None for what is no file path (a site-relative link left unresolved,
    standard input)."""
    if path.startswith(("/", "<")) or _SCHEME.match(path):
        return None
    name, _, fragment = path.partition("#")
    joined = posixpath.normpath(posixpath.join(links_from, name)) if links_from not in ("", ".") else name
    href = quote(joined, safe="/")
    return href + "#" + quote(fragment, safe="/?:@!$&'()*+,;=-._~%") if fragment else href


_SEVERITY = {
    name: rank
    for rank, name in enumerate(("dead", "failing", "drifted", "blocked", "redirected", "alive", "excluded", "skipped"))
}


_UNVERIFIED = ' <span class="note">(TLS not verified)</span>'


def _row(entry: Entry, links_from: str, unverified: bool = False) -> str:
    verdict = verdict_of(entry).value
    result = entry.result
    status = result.status_code if result.status_code is not None else ""
    reason = result.error or (f"moved to {result.final_url}" if result.redirects and result.final_url else "")
    reason = "" if reason == f"HTTP {status}" else reason.removeprefix(f"HTTP {status}: ")  # the status says it
    places = "".join(
        "<li>"
        + _place(o.path, links_from)
        + f":{o.line}:{o.column}"
        + (f" <code>{_e(o.url)}</code>" if _local(entry, o) else "")
        + "</li>"
        for o in entry.target.occurrences
    )
    archived = ""
    if isinstance(entry.snapshot, Snapshot):
        archived = _link(entry.snapshot.archive_url, f"archived {entry.snapshot.timestamp[:8]}")
    elif entry.snapshot is not None:
        archived = _e(describe(entry.snapshot))
    url = entry.target.url
    if _SCHEME.match(url):
        link = _link(url, url, ' rel="noreferrer"')
    else:
        href = None if result.outcome is Outcome.SKIPPED else _file_href(url, links_from)
        link = _link(href, url, ' class="local"') if href else f'<span class="inert">{_e(url)}</span>'
    return (
        f'<tr data-verdict="{verdict}" data-severity="{_SEVERITY.get(verdict, 9)}" data-link="{_e(url)}" '
        f'data-status="{status}" data-since="{_e(entry.since or "")}" data-places="{len(entry.target.occurrences)}">'
        f'<td class="url" data-label="Link">{link}</td>'
        f'<td data-label="Verdict"><span class="badge" style="background:{COLOURS.get(verdict, "#57606a")}">{verdict}</span></td>'
        f'<td data-label="Status">{status} {_e(reason)}{_UNVERIFIED if unverified else ""}</td>'
        f'<td data-label="Since">{_e((entry.since or "")[:10])}</td>'
        f'<td data-label="Places"><ul class="places">{places}</ul></td><td data-label="Archived copy">{archived}</td></tr>'
    )


def _place(path: str, links_from: str) -> str:
    href = _file_href(path, links_from)
    return _link(href, path, ' class="place"') if href else _e(path)


def to_html(report: RunReport, summaries: Sequence[RunSummary] = (), links_from: str = "") -> str:
    """The page; ``links_from`` is the way from the folder it is written to back to the working
    directory (``../..`` for .linkkeeper/reports), which local links and places are relative to."""
    counts: Counter[str] = Counter(verdict_of(entry).value for entry in report.entries)
    cards = "".join(
        f'<div class="card"><b style="color:{COLOURS[name]}">{counts.get(name, 0)}</b>{name}</div>' for name in COLOURS
    )
    verdict_bars = [(name, counts[name], COLOURS[name]) for name in COLOURS if counts.get(name)]
    by_verdict: dict[str, list[Entry]] = defaultdict(list)
    for entry in report.entries:
        by_verdict[verdict_of(entry).value].append(entry)
    order = list(_SEVERITY)
    rows = "".join(
        _row(entry, links_from, tls_unverified(entry, report)) for name in order for entry in by_verdict.get(name, [])
    )
    options = "".join(f'<option value="{name}">{name}</option>' for name in order)
    headers = [("link", "Link", 38), ("verdict", "Verdict", 9), ("status", "Status", 15), ("since", "Since", 9),
               ("places", "Places", 18), (None, "Archived copy", 11)]  # fmt: skip
    columns = "".join(f'<col style="width:{share}%">' for _, _, share in headers)
    head = "".join(
        f'<th scope="col" data-key="{key}" aria-sort="none"><button type="button">{label}</button></th>'
        if key
        else f'<th scope="col">{label}</th>'
        for key, label, _ in headers
    )
    sort_options = "".join(
        f'<option value="{value}">{label}</option>'
        for value, label in (("", "as listed"), ("verdict:asc", "worst first"), ("status:desc", "status, highest first"),
                             ("status:asc", "status, lowest first"), ("since:asc", "failing longest first"),
                             ("places:desc", "most places first"), ("link:asc", "link, A to Z"))
    )  # fmt: skip
    tls = tls_note(report)
    warning = (
        '<p role="alert"><strong>Network unreachable:</strong> no web link was judged (local links were).</p>'
        if report.network_down
        else ""
    ) + (f'<p role="note"><strong>Not verified:</strong> {_e(tls)}.</p>' if tls else "")
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
{options}</select></label><label for="sort" id="sorting" hidden>Sort<select id="sort">{sort_options}</select></label>
<span id="shown" aria-live="polite"></span></div>
<table id="links"><caption>Every link, with where it is written</caption><colgroup>{columns}</colgroup>
<thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table></section></main><script>{_SCRIPT}</script></body></html>
"""
