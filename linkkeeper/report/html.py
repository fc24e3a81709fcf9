"""report.html: one self-contained page (no network: no CDN, no web fonts, no side file) with a
health summary, inline SVG charts (verdicts, the least healthy domains, failing and dead links over
past runs, with axes and the numbers in a table) and a sortable, filterable table of links, shown
a page (100 rows) at a time. Readable and sortable on a phone; labelled for screen readers. Local
files are linked relative to where the page is written, so they open; places are shown relative
to the project root.

Sized for its readers, at most 10 MB however many links: the links needing attention (dead,
failing, drifted, blocked) come first and are written as HTML rows, readable without JavaScript;
so is every other link while the rows stay small (2 MB). The rest (alive, redirected, excluded,
skipped on a large site) are packed into the page as compact JSON (an index of the hosts and paths,
one array a link), gzipped and base64-encoded, and the script unpacks them (DecompressionStream,
no request: a file:// page may fetch nothing) and lists them page by page: 200,000 links make a
page of 7 MB. A site too large for even that (past some 250,000 links, by their URLs and how many
need attention) has its last-listed links left out, and the page says how many; report.json lists
every link.

Sorting, filtering and the page also read and write the URL's fragment (``#sort=status&dir=desc
&verdict=dead&q=text&page=2``), so a view can be linked to; the summary cards link to their verdict.
"""

from __future__ import annotations

import base64
import gzip
import html
import json
import posixpath
import re
import zlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlsplit

from linkkeeper.models import Entry, Occurrence, Outcome, RunReport, RunSummary, Snapshot, Verdict
from linkkeeper.report.archive import describe
from linkkeeper.report.markdown import as_written, verdict_of
from linkkeeper.report.tls import tls_note
from linkkeeper.report.tls import unverified as tls_unverified
from linkkeeper.version import __version__

if TYPE_CHECKING:
    from linkkeeper.report import Places

COLOURS = {
    "alive": "#1a7f37", "redirected": "#0969da", "failing": "#9a6700", "dead": "#cf222e", "drifted": "#bc4c00",
    "blocked": "#8250df", "excluded": "#57606a", "skipped": "#6e7781",
}  # fmt: skip
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")
_ORIGIN = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*://[^/?#]*)(.*)", re.DOTALL)
_IGNORED_BY_BROWSERS = re.compile(r"[\x00-\x20\x7f]")  # stripped or skipped before a scheme is read
_HTML_SPECIAL = re.compile("[&<>\"']")
_FRAGMENT_SAFE = "/?:@!$&'()*+,;=-._~%"
PAGE_ROWS = 100  # rows the script shows at a time

# The order links are listed in (worst first), and the verdicts that need attention.
_SEVERITY = {
    name: rank
    for rank, name in enumerate(("dead", "failing", "drifted", "blocked", "redirected", "alive", "excluded", "skipped"))
}
_ATTENTION_VERDICTS = frozenset({Verdict.DEAD, Verdict.FAILING, Verdict.DRIFTED, Verdict.BLOCKED})
_ATTENTION_OUTCOMES = frozenset({Outcome.BROKEN, Outcome.BROKEN_FRAGMENT, Outcome.ERROR, Outcome.BLOCKED})
_HEADERS = [("link", "Link", 30), ("verdict", "Verdict", 8), ("status", "Status", 14), ("since", "Since", 9),
            ("places", "Places", 29), (None, "Archived copy", 10)]  # fmt: skip


@dataclass(frozen=True, slots=True)
class Budget:
    """What the page may weigh, in bytes: all of it (``page``); the rows written as HTML, any link
    (``rows``) and, past that, the links needing attention (``attention_rows``). The rest is packed."""

    page: int = 10_000_000
    rows: int = 2_000_000
    attention_rows: int = 6_000_000


_STYLE = """
:root{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1f2328;background:#fff}
body{margin:0 auto;max-width:1200px;padding:1rem;line-height:1.45}
h1{font-size:1.6rem;margin:.2rem 0}h2{font-size:1.2rem;margin:1.6rem 0 .6rem}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(120px,1fr));gap:.6rem}
.card{border:1px solid #d0d7de;border-radius:8px;padding:.6rem;height:100%;box-sizing:border-box}
a.to{color:inherit;text-decoration:none}a.to:hover .card,a.to:focus .card{border-color:#0550ae}
.card b{display:block;font-size:1.5rem}
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(300px,1fr));gap:1rem}
figure{margin:0;border:1px solid #d0d7de;border-radius:8px;padding:.6rem}
figcaption{font-weight:600;margin-bottom:.4rem}svg{width:100%;height:auto}
details{font-size:.85rem;margin-top:.4rem}table.values{width:auto}table.values td,table.values th{padding:.1rem .5rem}
.controls{display:flex;flex-wrap:wrap;gap:.6rem;align-items:end;margin:.6rem 0}
label{display:flex;flex-direction:column;font-size:.85rem}
input,select,nav button{font:inherit;padding:.3rem;border:1px solid #6e7781;border-radius:6px}
nav button{background:#f6f8fa;cursor:pointer;padding:.3rem .8rem}nav button:disabled{cursor:default;opacity:.5}
#pager{display:flex;flex-wrap:wrap;gap:.6rem;align-items:center;margin:.6rem 0}#pager[hidden]{display:none}
p.packed{font-size:.9rem;color:#57606a}
table{border-collapse:collapse;width:100%;font-size:.9rem}
table#links{table-layout:fixed}
th,td{border-bottom:1px solid #d0d7de;padding:.4rem;text-align:left;vertical-align:top}
th button{font:inherit;font-weight:600;background:none;border:0;padding:0;cursor:pointer;color:inherit}
td{overflow-wrap:anywhere}.badge{display:inline-block;border-radius:1em;padding:0 .5em;color:#fff;font-size:.8rem;
background:#57606a}
ul.places{margin:0;padding:0;list-style:none}ul.places li{margin-bottom:.2rem;padding-left:.8em;text-indent:-.8em}ul.places span{display:inline-block;max-width:100%;text-indent:0}a.place span{text-decoration:underline}
a{color:#0550ae}
caption{text-align:left;font-size:.85rem;color:#57606a;padding:.2rem 0}
@media (max-width:640px){table#links thead{display:none}table#links,table#links tbody,table#links caption{display:block}
table#links tr{display:block;border-bottom:2px solid #d0d7de}
table#links td{display:block;border:0;padding:.2rem}table#links td::before{font-weight:600}LABELS}
"""

_SCRIPT = """
(function(){
  const V=VERDICTS,SIZE=PAGE_ROWS,table=document.getElementById('links'),body=table.tBodies[0];
  const q=document.getElementById('q'),v=document.getElementById('verdict'),order=document.getElementById('sort');
  const count=document.getElementById('shown'),pager=document.getElementById('pager'),at=document.getElementById('at');
  const prev=document.getElementById('prev'),next=document.getElementById('next'),collator=new Intl.Collator();
  const all=Array.from(body.rows,r=>({el:r,verdict:r.dataset.verdict,status:r.dataset.status,since:r.dataset.since,
    places:r.cells[4].getElementsByTagName('li').length,link:r.cells[0].textContent,text:null}));
  let sort=null,dir='asc',page=1,current=1,P=[],H=[];
  function n(x){return x.toLocaleString('en-US');}
  function rank(r){const i=V.indexOf(r.verdict);return i<0?9:i;}
  function key(r,k){return k==='verdict'?String(rank(r)):k==='places'?String(r.places):(r[k]||'');}
  function show(){order.value=sort?sort+':'+dir:'';if(order.selectedIndex<0)order.value='';}
  function params(){const p=new URLSearchParams(location.hash.slice(1));q.value=p.get('q')||'';
    v.value=p.get('verdict')||'';if(v.selectedIndex<0)v.value='';sort=p.get('sort')||null;dir=p.get('dir')||'asc';
    page=Number(p.get('page'))||1;show();}
  function save(){const p=new URLSearchParams();if(q.value)p.set('q',q.value);if(v.value)p.set('verdict',v.value);
    if(sort){p.set('sort',sort);p.set('dir',dir);}if(current>1)p.set('page',current);history.replaceState(null,'','#'+p);}
  function h(tag,cls,...kids){const e=document.createElement(tag);if(cls)e.className=cls;e.append(...kids);return e;}
  function a(href,cls,...kids){const e=h('a',cls,...kids);e.setAttribute('href',href);return e;}
  function slashed(s,at){const f=document.createDocumentFragment(),parts=s.split('/');
    parts.forEach((part,i)=>f.append(h('span','',part+(i<parts.length-1?'/':at))));return f;}
  function words(r){const d=r.d,arch=d[8]?(Array.isArray(d[8])?d[8][1]:d[8]):'';
    return [r.link,r.verdict,r.status,d[6]||'',r.since.slice(0,10),arch].concat(d[5].map(o=>
      P[o[0]][0]+':'+o[1]+':'+o[2]+(o.length>3?' '+o[3]:''))).join(' ');}
  function text(r){if(r.text===null)r.text=(r.el?r.el.textContent:words(r)).toLowerCase();return r.text;}
  function build(r){const d=r.d,mode=d[3],tr=document.createElement('tr');
    const link=mode===1?a(r.link,''):typeof mode==='string'?a(mode,'local'):h('span','inert');link.append(r.link);
    if(mode===1)link.rel='noreferrer';
    const places=h('ul','places',...d[5].map(o=>{const p=P[o[0]],li=h('li','');
      const at=':'+o[1]+':'+o[2];li.append(p[1]?a(p[1],'place',slashed(p[0],at)):slashed(p[0],at));
      if(o.length>3)li.append(' ',h('code','',o[3]));return li;}));
    const status=h('td','',r.status+' '+(d[6]||''));if(d[9])status.append(' ',h('span','note','(TLS not verified)'));
    const arch=d[8]?(Array.isArray(d[8])?a(d[8][0],'',d[8][1]):d[8]):'';
    tr.dataset.verdict=r.verdict;tr.dataset.status=r.status;tr.dataset.since=r.since;
    tr.append(h('td','url',link),h('td','',h('span','badge v-'+r.verdict,r.verdict)),status,
      h('td','',r.since.slice(0,10)),h('td','',places),h('td','',arch));return tr;}
  function apply(){const t=q.value.toLowerCase();
    let rows=all.filter(r=>(!v.value||r.verdict===v.value)&&(!t||text(r).includes(t)));
    if(sort){const keyed=rows.map(r=>[key(r,sort),r]);keyed.sort((p,o)=>{const x=p[0],y=o[0];
      if(!x||!y)return (!x)-(!y);const m=Number(x)-Number(y),c=isNaN(m)?collator.compare(x,y):m;
      return dir==='asc'?c:-c;});rows=keyed.map(p=>p[1]);}
    const pages=Math.max(1,Math.ceil(rows.length/SIZE));current=Math.min(Math.max(1,page),pages);
    const first=(current-1)*SIZE,shown=rows.slice(first,first+SIZE);
    body.replaceChildren(...shown.map(r=>r.el||(r.el=build(r))));
    count.textContent=pages<2?n(rows.length)+' of '+n(all.length)+' links shown':
      n(first+1)+'\\u2013'+n(first+shown.length)+' of '+n(rows.length)+' links shown'+
      (rows.length<all.length?' ('+n(all.length)+' in all)':'');
    pager.hidden=pages<2;at.textContent='Page '+n(current)+' of '+n(pages);prev.disabled=current<=1;
    next.disabled=current>=pages;
    table.querySelectorAll('th[data-key]').forEach(th=>th.setAttribute('aria-sort',
      th.dataset.key===sort?(dir==='asc'?'ascending':'descending'):'none'));}
  async function unpack(){const box=document.getElementById('packed');if(!box)return;
    try{const bin=atob(box.textContent.trim()),bytes=new Uint8Array(bin.length);
      for(let i=0;i<bin.length;i++)bytes[i]=bin.charCodeAt(i);
      const stream=new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'));
      const data=JSON.parse(await new Response(stream).text());P=data.paths;H=data.hosts;
      for(const d of data.rows)all.push({el:null,d:d,verdict:V[d[0]]||'',status:String(d[4]||''),since:d[7]||'',
        places:d[5].length,link:d[1]>=0?H[d[1]]+d[2]:d[2],text:null});}
    catch(e){document.getElementById('packed-note').textContent='This browser could not unpack the other '+
      box.dataset.links+' links ('+e+'); report.json lists every link.';}}
  function turn(by){page=current+by;apply();save();table.scrollIntoView({block:'start'});}
  table.querySelectorAll('th[data-key] button').forEach(b=>b.addEventListener('click',()=>{
    const k=b.parentElement.dataset.key;dir=(sort===k&&dir==='asc')?'desc':'asc';sort=k;page=1;show();apply();save();}));
  order.addEventListener('change',()=>{const parts=order.value.split(':');sort=parts[0]||null;dir=parts[1]||'asc';
    page=1;apply();save();});
  q.addEventListener('input',()=>{page=1;apply();save();});v.addEventListener('change',()=>{page=1;apply();save();});
  prev.addEventListener('click',()=>turn(-1));next.addEventListener('click',()=>turn(1));
  window.addEventListener('hashchange',()=>{params();apply();});
  document.getElementById('sorting').hidden=false;params();apply();
  unpack().then(()=>{apply();document.body.dataset.ready='true';});
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
    # The id is the title's CRC, not hash(): str hashes change with every process, and a report is
    # a pure function of its run.
    ident = f"t-{zlib.crc32(title.encode()):08x}"
    parts = [f'<svg viewBox="0 0 {width} {row * len(items) + 4}" role="img" aria-labelledby="{ident}">',
             f'<title id="{ident}">{_e(title)}</title>']  # fmt: skip
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


def _clickable(url: str) -> bool:
    """http(s) and relative URLs only; anything else (javascript:, data:, a scheme hidden behind a
    tab) is no link."""
    scheme = _SCHEME.match(url)
    return not _IGNORED_BY_BROWSERS.search(url) and (scheme is None or scheme.group().lower() in ("http:", "https:"))


def _link(url: str, text: str, extra: str = "", shown: str | None = None) -> str:
    """A link a reader may click, else the text as text; ``shown`` is the text as HTML, when given."""
    inner = _e(text) if shown is None else shown
    if not _clickable(url):
        return f'<span class="inert">{inner}</span>'
    return f'<a href="{_e(url)}"{extra}>{inner}</a>'


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
    return href + "#" + quote(fragment, safe=_FRAGMENT_SAFE) if fragment else href


class _Paths:
    """How the page shows a local path (relative to the working directory, or absolute when a
    folder was named so) and links to it: shown relative to the project root when it is inside it,
    linked relative to the report's folder. Without ``places``, shown as given, linked through
    ``links_from``. Each path is worked out once."""

    def __init__(self, links_from: str, places: Places | None) -> None:
        self.links_from = links_from
        self.places = places
        self.known: dict[str, tuple[str, str | None]] = {}

    def __call__(self, path: str) -> tuple[str, str | None]:
        found = self.known.get(path)
        if found is None:
            found = self.known[path] = self._work_out(path)
        return found

    def _work_out(self, path: str) -> tuple[str, str | None]:
        if self.places is None or path.startswith("<") or _SCHEME.match(path):
            return path, _file_href(path, self.links_from)
        name, hash_sign, fragment = path.partition("#")
        full = posixpath.normpath(posixpath.join(self.places.cwd.as_posix(), name))
        root = self.places.root.as_posix()
        inside = full == root or full.startswith(root.rstrip("/") + "/")
        shown = (posixpath.relpath(full, root) if inside else full) + hash_sign + fragment
        href = quote(posixpath.relpath(full, self.places.reports.as_posix()), safe="/")
        return shown, href + "#" + quote(fragment, safe=_FRAGMENT_SAFE) if fragment else href


def _target(entry: Entry, paths: _Paths) -> tuple[str, str | None, bool]:
    """The link as the row shows it, where it leads (None: shown as text), and whether it is on the web."""
    url = entry.target.url
    if _SCHEME.match(url):
        return url, url if _clickable(url) else None, True
    if entry.result.outcome is Outcome.SKIPPED:  # unresolved (a site-relative link): no file to open
        return url, None, False
    shown, href = paths(url)
    return shown, href, False


def _reason(entry: Entry) -> tuple[int | str, str]:
    """The status (or "") and the reason beside it, less what the status says already."""
    result = entry.result
    status = result.status_code if result.status_code is not None else ""
    reason = result.error or (f"moved to {result.final_url}" if result.redirects and result.final_url else "")
    return status, "" if reason == f"HTTP {status}" else reason.removeprefix(f"HTTP {status}: ")


def _slashed(path: str, position: str) -> str:
    """A place as HTML that wraps after a slash, not in the middle of a name: each name (with its
    slash; the file's with its line and column) is a box of its own, broken only when it is wider
    than the column."""
    *folders, name = path.split("/")
    return "".join(f"<span>{_e(folder)}/</span>" for folder in folders) + f"<span>{_e(name)}{position}</span>"


_UNVERIFIED = ' <span class="note">(TLS not verified)</span>'


def _row(entry: Entry, paths: _Paths, unverified: bool = False) -> str:
    """A table row, readable without the script."""
    verdict = verdict_of(entry).value
    status, reason = _reason(entry)
    places = []
    for o in entry.target.occurrences:
        shown, href = paths(o.path)
        place = _slashed(shown, f":{o.line}:{o.column}")
        written = f" <code>{_e(o.url)}</code>" if _local(entry, o) else ""
        place = _link(href, shown, ' class="place"', place) if href else place
        places.append(f"<li>{place}{written}</li>")
    archived = ""
    if isinstance(entry.snapshot, Snapshot):
        archived = _link(entry.snapshot.archive_url, f"archived {entry.snapshot.timestamp[:8]}")
    elif entry.snapshot is not None:
        archived = _e(describe(entry.snapshot))
    text, href, web = _target(entry, paths)
    if href is None:
        link = f'<span class="inert">{_e(text)}</span>'
    else:
        link = _link(href, text, ' rel="noreferrer"' if web else ' class="local"')
    since = entry.since or ""
    return (
        f'<tr data-verdict="{verdict}" data-status="{status}" data-since="{_e(since)}"><td class="url">{link}</td>'
        f'<td><span class="badge v-{verdict}">{verdict}</span></td>'
        f"<td>{status} {_e(reason)}{_UNVERIFIED if unverified else ''}</td><td>{_e(since[:10])}</td>"
        f'<td><ul class="places">{"".join(places)}</ul></td><td>{archived}</td></tr>'
    )


_COMPACT = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))  # one encoder: dumps() makes one a call


class _Packer:
    """The links not written as rows, as the script reads them: ``{"paths": [[shown, href or 0]],
    "hosts": [origin], "rows": [row]}``, each row ``[verdict (its rank), host (or -1), the rest of
    the URL (or all of it), 1 (a web link) or the href of a local file or 0 (text), status (or 0),
    [[path, line, column(, as written)]], reason, since, archived copy ([href, text] or text),
    1 when TLS was not verified]``, trailing empty fields left out."""

    def __init__(self, paths: _Paths) -> None:
        self.paths = paths
        self.path_index: dict[str, int] = {}
        self.host_index: dict[str, int] = {}

    def _path(self, path: str) -> int:
        index = self.path_index.get(path)
        if index is None:
            index = self.path_index[path] = len(self.path_index)
        return index

    def row(self, entry: Entry, unverified: bool) -> str:
        """The link's row, as JSON text: 200,000 of them are held as strings, not nested lists."""
        return _COMPACT.encode(self._fields(entry, unverified))

    def _fields(self, entry: Entry, unverified: bool) -> list[Any]:
        text, href, web = _target(entry, self.paths)
        host, rest = -1, text
        origin = _ORIGIN.fullmatch(text) if web else None
        if origin is not None:
            host = self.host_index.setdefault(origin.group(1), len(self.host_index))
            rest = origin.group(2)
        mode: int | str = 0 if href is None else 1 if web else href
        status, reason = _reason(entry)
        places = [
            [self._path(o.path), o.line, o.column, *([o.url] if _local(entry, o) else [])]
            for o in entry.target.occurrences
        ]
        archived: str | list[str] = ""
        if isinstance(entry.snapshot, Snapshot):
            label = f"archived {entry.snapshot.timestamp[:8]}"
            archived = [entry.snapshot.archive_url, label] if _clickable(entry.snapshot.archive_url) else label
        elif entry.snapshot is not None:
            archived = describe(entry.snapshot)
        row = [_SEVERITY.get(verdict_of(entry).value, 9), host, rest, mode, status or 0, places, reason,
               entry.since or "", archived, int(unverified)]  # fmt: skip
        while len(row) > 6 and not row[-1]:
            row.pop()
        return row

    def pack(self, rows: Sequence[str]) -> str:
        """The rows with their index, as JSON, gzipped (the same bytes for the same rows) and base64."""
        paths = [[shown, href or 0] for shown, href in map(self.paths, self.path_index)]
        index = json.dumps({"paths": paths, "hosts": list(self.host_index)}, ensure_ascii=False, separators=(",", ":"))
        data = ('{"rows":[' + ",".join(rows) + "]," + index[1:]).encode("utf-8")
        return base64.b64encode(gzip.compress(data, compresslevel=6, mtime=0)).decode("ascii")


def _needs_attention(entry: Entry) -> bool:
    return verdict_of(entry) in _ATTENTION_VERDICTS or entry.result.outcome in _ATTENTION_OUTCOMES


def _listed(entries: Sequence[Entry]) -> list[Entry]:
    """The links in the order the page lists them: those needing attention first, worst first."""
    return sorted(entries, key=lambda entry: (not _needs_attention(entry), _SEVERITY.get(verdict_of(entry).value, 9)))


def _count(number: int, noun: str) -> str:
    return f"{number:,} {noun}" if number == 1 else f"{number:,} {noun}s"


def to_html(
    report: RunReport,
    summaries: Sequence[RunSummary] = (),
    links_from: str = "",
    *,
    places: Places | None = None,
    budget: Budget = Budget(),
) -> str:
    """The page. ``places`` (where the run happened and the page is written) shows paths relative to
    the project root and links them from the page's folder; without it, ``links_from`` is the way
    from that folder back to the working directory (``../..`` for .linkkeeper/reports), which
    local links and places are relative to, and paths are shown as the report has them."""
    if places is not None:
        links_from = posixpath.relpath(places.cwd.as_posix(), places.reports.as_posix())
    paths = _Paths(links_from, places)
    counts: Counter[str] = Counter(verdict_of(entry).value for entry in report.entries)
    cards = "".join(
        f'<a class="to" href="#verdict={name}"><div class="card"><b style="color:{COLOURS[name]}">'
        f"{counts.get(name, 0):,}</b>{name}</div></a>"
        for name in COLOURS
    )
    verdict_bars = [(name, counts[name], COLOURS[name]) for name in COLOURS if counts.get(name)]
    listed = _listed(report.entries)
    rows: list[str] = []
    size = 0
    for entry in listed:
        row = _row(entry, paths, tls_unverified(entry, report))
        weight = len(row.encode("utf-8"))
        if size + weight > (budget.attention_rows if _needs_attention(entry) else budget.rows):
            break
        rows.append(row)
        size += weight
    rest = listed[len(rows) :]
    order = list(_SEVERITY)
    options = "".join(f'<option value="{name}">{name} ({counts.get(name, 0):,})</option>' for name in order)
    columns = "".join(f'<col style="width:{share}%">' for _, _, share in _HEADERS)
    head = "".join(
        f'<th scope="col" data-key="{key}" aria-sort="none"><button type="button">{label}</button></th>'
        if key
        else f'<th scope="col">{label}</th>'
        for key, label, _ in _HEADERS
    )
    sort_options = "".join(
        f'<option value="{value}">{label}</option>'
        for value, label in (("", "as listed"), ("verdict:asc", "worst first"), ("status:desc", "status, highest first"),
                             ("status:asc", "status, lowest first"), ("since:asc", "failing longest first"),
                             ("places:desc", "most places first"), ("link:asc", "link, A to Z"))
    )  # fmt: skip
    labels = "".join(
        f'table#links td:nth-child({index})::before{{content:"{label}: "}}'
        for index, (_, label, _) in enumerate(_HEADERS, 1)
    )
    badges = "".join(f".v-{name}{{background:{colour}}}" for name, colour in COLOURS.items())
    script = _SCRIPT.replace("VERDICTS", json.dumps(order)).replace("PAGE_ROWS", str(PAGE_ROWS))
    tls = tls_note(report)
    warning = (
        '<p role="alert"><strong>Network unreachable:</strong> no web link was judged (local links were).</p>'
        if report.network_down
        else ""
    ) + (f'<p role="note"><strong>Not verified:</strong> {_e(tls)}.</p>' if tls else "")
    caption = "Every link, with where it is written" + ("" if not rest else ": those needing attention first")

    def page(packed: str, note: str) -> str:
        return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Link health: {len(report.entries)} links</title><style>{_STYLE.replace("LABELS", labels)}{badges}</style></head>
<body><header><h1>Link health</h1><p>{report.files} file(s), {len(report.entries)} unique link(s), run
{_e(report.run_id or "-")} started {_e(report.started_at)}. linkkeeper {__version__}.</p>{warning}</header>
<main><section aria-label="Summary"><div class="cards">{cards}</div></section>
<section><h2>Charts</h2><div class="charts">{_bars("Links by verdict", verdict_bars, "links")}
{_bars("Least healthy domains", _domains(report.entries), "unhealthy links")}{_trend(summaries)}</div></section>
<section><h2>Links</h2>{note}<div class="controls"><label for="q">Search<input id="q" type="search"
placeholder="URL, file, reason"></label><label for="verdict">Verdict<select id="verdict"><option value="">all</option>
{options}</select></label><label for="sort" id="sorting" hidden>Sort<select id="sort">{sort_options}</select></label>
<span id="shown" aria-live="polite"></span></div>
<table id="links"><caption>{caption}</caption><colgroup>{columns}</colgroup>
<thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table><nav id="pager" aria-label="Pages of links"
hidden><button type="button" id="prev">Previous</button><span id="at"></span><button type="button"
id="next">Next</button></nav>{packed}</section></main><script>{script}</script></body></html>
"""

    if not rest:
        return page("", "")
    packer = _Packer(paths)
    packed_rows = [packer.row(entry, tls_unverified(entry, report)) for entry in rest]
    room = budget.page - len(page("", _note(len(rows), rest, 0, budget)).encode("utf-8")) - 200
    fitting = len(packed_rows)
    data = packer.pack(packed_rows)
    while len(data) > room and fitting:  # too many even packed: the last ones listed are left out
        fitting = max(0, min(fitting - 1, int(fitting * room / len(data) * 0.98)))
        data = packer.pack(packed_rows[:fitting])
    box = f'<script type="application/octet-stream" id="packed" data-links="{fitting}">{data}</script>'
    return page(box if fitting else "", _note(len(rows), rest[:fitting], len(rest) - fitting, budget))


def _note(written: int, packed: Sequence[Entry], left_out: int, budget: Budget) -> str:
    """What the page holds, when it does not hold every link as a row."""
    kinds = Counter(verdict_of(entry).value for entry in packed)
    which = ", ".join(f"{kinds[name]:,} {name}" for name in _SEVERITY if kinds.get(name))
    parts = [f"The first {_count(written, 'link')} listed (those needing attention first) are written into this page "
             "as a table, readable without JavaScript"]  # fmt: skip
    if packed:
        parts.append(f"the next {len(packed):,} ({which}) are packed into it, and its script lists them with the rest")
    if left_out:
        parts.append(f"the last {_count(left_out, 'link')} listed did not fit (the page stays under "
                     f"{budget.page / 1e6:g} MB)")  # fmt: skip
    return f'<p class="packed" id="packed-note">{"; ".join(parts)}. Every link is in report.json.</p>'
