"""Reference rot on a fake web of its own (issue 23): parked domains, soft 404s, login walls and
drift, judged through ``run_check`` and the CLI, on real sockets.

The web is one loopback server on three 127.0.0.x addresses, routing by the Host header: a blog
with proper 404s, a wiki, a news site whose unknown paths answer 200 with a "Page not found"
template, a shop whose unknown paths answer 200 with a search template echoing the slug, a manual
that sends unknown pages to its section index, a garden club that sends them home, two single-page
apps, a forum behind a sign-in page, a parked domain, an old club's domain sent to a sales lander on
another host and an expired one sent to a parking service's ww1. host. ``phase`` switches what the
blog serves between runs ("before", "after").

Three tests were strict xfails when written, each naming a bug since fixed: a shell's notice in
<noscript>, a parking lander behind a redirect to a root, and a 302 before a 301 taken for a move.
"""

from __future__ import annotations

import dataclasses
import html
import json
import re
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

import pytest
from click.testing import CliRunner, Result

from linkkeeper.cli import main
from linkkeeper.config import CheckSettings, Settings
from linkkeeper.history import History
from linkkeeper.models import CheckResult, ErrorKind, Outcome, RunReport, Verdict
from linkkeeper.pipeline import run_check
from tests.conftest import HEAD_FIRST
from tests.fakehttp import LoopbackServer, Request, Response, serve_requests

ADDRESSES = ("127.0.0.131", "127.0.0.132", "127.0.0.133")  # clear of the shared fake web's 127.0.0.2-9
BLOG, WIKI, NEWS, SHOP, DOCS, GARDEN = "blog.test", "wiki.test", "news.test", "shop.test", "docs.test", "garden.test"
APP, FORUM, PARKED, OLDCLUB, FORSALE = "app.test", "forum.test", "parked.test", "oldclub.test", "forsale.test"
CONSOLE, EXPIRED, WW1_EXPIRED = "console.test", "expired.test", "ww1.expired.test"
HOSTS = (BLOG, WIKI, NEWS, SHOP, DOCS, GARDEN, APP, FORUM, PARKED, OLDCLUB, FORSALE, CONSOLE, EXPIRED, WW1_EXPIRED)
PROBE_MARK = "/lk-"  # a random sibling probe is <folder>/lk-<hex>[suffix]

# -- texts ------------------------------------------------------------------------------------------

CAST_IRON = (
    "A rusty cast-iron skillet from a flea market is rarely ruined. The metal under the orange crust is usually "
    "sound, and a weekend of patient work turns it back into a pan that will outlive its owner.",
    "Start by stripping the old seasoning and the rust together. A bath of equal parts white vinegar and water "
    "loosens the oxide within an hour; leave it longer and the acid begins to etch the iron itself, so check on "
    "it often. Scrub with steel wool, rinse, and dry the pan over a low burner straight away, because bare iron "
    "flashes with rust in minutes.",
    "Seasoning is nothing more than a thin layer of polymerised fat. Rub a few drops of flaxseed or sunflower oil "
    "over every surface, handle included, then wipe it off as if you had made a mistake: the film should look "
    "almost dry. Bake the skillet upside down in a hot oven for an hour and let it cool inside. Repeat five or "
    "six times until the surface turns a deep, even black.",
    "Cook bacon, fried potatoes and cornbread for the first few weeks, and keep tomato sauce or wine away until "
    "the coating has matured. Never soak the pan overnight. A quick scrub with coarse salt and a splash of hot "
    "water keeps it clean, and a last wipe of oil protects it until supper tomorrow.",
)
MORTGAGE = (
    "Compare fixed-rate mortgage offers from leading lenders in minutes and find out how much you could borrow "
    "today. Our free calculator estimates monthly repayments, arrangement fees and the total interest payable "
    "across the full term of your loan.",
    "Remortgaging when an introductory deal expires can save households hundreds of pounds every year. Brokers "
    "search thousands of products, including offers reserved for intermediaries, and handle the paperwork with "
    "solicitors, surveyors and valuers on your behalf.",
    "First-time buyers should check their credit report before applying, register on the electoral roll and "
    "avoid opening new credit cards in the months before an application. A larger deposit unlocks lower "
    "loan-to-value bands, which usually means cheaper rates and smaller premiums for buildings insurance.",
    "Independent advice is regulated, and approved advisers must explain commission, early repayment charges and "
    "the risks of variable tracker products. Request a callback from a specialist adviser or apply online in "
    "principle without affecting your credit score.",
    "Landlords purchasing buy-to-let property face stricter affordability tests, stamp duty surcharges and "
    "rental cover ratios. Our partners also arrange equity release, bridging finance and secured homeowner "
    "loans; think carefully before securing other debts against your home.",
)
# In sentences, so that the later version can rewrite about a fifth of them.
SOURDOUGH = (
    "A sourdough starter is a paste of flour and water colonised by wild yeasts and lactic bacteria.",
    "Mine began on a cold kitchen windowsill with rye flour, a jar and a wooden spoon.",
    "For the first week it smelled of nail varnish and then of sour cheese, which is normal and nothing to fear.",
    "Feed it twice a day by discarding most of it and stirring in fresh flour and lukewarm water by weight.",
    "After ten days the culture doubled reliably within six hours and smelled pleasantly of yoghurt and apples.",
    "Bakers argue about hydration, but a stiff starter tolerates a forgotten feeding far better than a runny one.",
    "Keep a spare spoonful in the refrigerator as insurance against mould or an overheated oven light.",
    "For bread, mix the levain the evening before, so it peaks while you sleep and is bubbly by breakfast.",
    "Autolyse the dough for an hour, fold it gently every half hour, then let it ferment until it wobbles.",
    "Shape a tight boule, proof it overnight in a floured basket, and bake it in a preheated cast pot.",
    "The crust should crackle as it cools, and the crumb should be glossy, open and faintly tangy.",
    "Whole wheat ferments faster than white flour, spelt tears easily, and honey revives a sluggish culture.",
    "Friends who ask for a portion receive it in a labelled jam jar with handwritten instructions taped underneath.",
)
SOURDOUGH_EDITS = {  # about a fifth of the sentences rewritten, as an author revising a post does
    2: "During those early days the jar smelled sharply of acetone, a phase that passes on its own.",
    6: "A second jar stored in the fridge rescues you if the main culture ever goes mouldy.",
}
WINTER_CYCLING = (
    "Commuting by bicycle through a northern winter is less heroic than it sounds. Studded tyres grip on black "
    "ice, mudguards keep slush off your back, and a pair of lobster mittens makes the difference between numb "
    "fingers and a pleasant ride.",
    "Lights matter more than anything else between November and February. Run a bright steady beam on the "
    "handlebar, a second lamp on the helmet to catch drivers' eyes at junctions, and two red lights at the rear "
    "in case one battery fails. Reflective ankle bands move, and moving things get noticed.",
    "Salt destroys chains and derailleurs within weeks. Rinse the drivetrain with lukewarm water after every "
    "gritted ride, dry it with a rag, and use a wet lubricant that does not wash away. Many commuters switch to "
    "a cheap single-speed or a hub gear for the season and keep the good bike indoors.",
    "Layering beats thickness: a thin merino base, a fleece, and a windproof shell with vents under the arms. "
    "Arrive a little cold rather than soaked in sweat, and keep dry socks at the office.",
    "Plan the route around the gritting lorries rather than the shortest line. Quiet residential streets stay "
    "frozen for days, whereas main roads and segregated tracks near hospitals are cleared first at dawn.",
)
GLACIER = (
    "Glacier retreat is the shrinking of valley and ice-sheet glaciers as melting and calving outpace the "
    "accumulation of snow. Since the end of the Little Ice Age around 1850, most mountain glaciers in the Alps, "
    "the Andes, the Himalaya and Alaska have lost length, thickness and volume.",
    "Surveyors measure the change from the position of the terminus, repeated aerial photogrammetry, satellite "
    "altimetry and stakes drilled into the ablation zone. Mass balance, the difference between winter "
    "accumulation and summer melt, is reported in metres of water equivalent per year.",
    "Retreat exposes unstable moraines, forms proglacial lakes that can burst through their dams, and alters the "
    "seasonal discharge of rivers. Communities in arid valleys depend on late-summer meltwater for irrigation "
    "and hydropower, so a shrinking reservoir of ice eventually means drier Augusts downstream.",
    "Tidewater glaciers behave differently: their fronts respond to fjord geometry and ocean temperature, and "
    "some advanced for decades while neighbouring land-terminating glaciers thinned.",
    "Historical evidence comes from paintings, parish records of flooded pastures and the dated wood of trees "
    "overrun by advancing ice. Lichen growing on boulders left behind by a receding front gives another clock, "
    "since colonies spread at a known pace on freshly exposed granite. Pollen cores from bogs and lake mud "
    "add a record of forests that followed the ice uphill.",
)
DREDGING = (
    "Dredging of the inner harbour began on Monday after two years of consultation with fishermen, ferry "
    "operators and the marine conservation trust. A cutter-suction vessel will deepen the approach channel so "
    "that the larger island ferry can berth at every state of the tide.",
    "Contractors expect to remove sediment from the basin over eleven weeks, working from dawn until early "
    "evening. Spoil judged clean will be pumped ashore to rebuild the eroded dunes north of the lighthouse; "
    "anything contaminated with old antifouling paint goes by barge to a licensed site inland.",
    "Skippers have been asked to moor on the outer pontoons while the work continues, and the slipway near the "
    "lifeboat station will close on alternate weekends. The harbour master said divers found the wreck of a "
    "Victorian coal lighter during the survey, which archaeologists will record before the channel is cut.",
    "Residents worried about noise can follow progress at the weekly drop-in session at the sailing club.",
    "The project is funded jointly by the county, a national coastal grant and berthing dues, which rise by four "
    "per cent next spring. Opponents argued that seagrass meadows near the breakwater shelter juvenile bass and "
    "cuttlefish; monitoring buoys now log turbidity every fifteen minutes, and work pauses whenever the plume "
    "drifts beyond agreed limits.",
)
RUCKSACK = (
    "Our waxed canvas rucksack is cut from twelve-ounce cotton duck, treated with a paraffin and beeswax blend "
    "that sheds drizzle and develops a rich patina with years of use. Vegetable-tanned leather straps and solid "
    "brass buckles are stitched by hand in our workshop in the valley.",
    "The main compartment holds thirty litres, with a padded sleeve for a laptop, two internal pockets for a "
    "notebook and a flask, and a zipped lid pocket for keys and a compass. Side loops carry walking poles or a "
    "rolled sleeping mat.",
    "To refresh the finish, warm the fabric with a hairdryer and rub in a bar of reproofing wax, working along "
    "the seams. Never machine wash it, since detergent strips the coating and softens the leather.",
    "Every pack comes with a lifetime repair promise: send it back and a craftsperson will replace worn "
    "webbing, restitch a seam or patch an abrasion for the cost of postage alone.",
    "Dimensions are fifty centimetres tall, thirty wide and eighteen deep, and the empty pack weighs just over "
    "one kilogram. Shoulder straps are lined with felted wool, and a detachable chest strap steadies heavier "
    "loads on steep scrambles or crowded commuter trains. Choose olive, charcoal, rust or navy; each colour "
    "fades differently, and customers often send photographs of theirs after a decade of hiking.",
)
GARDEN_HOME = (
    "Welcome to the Riverside Community Garden, thirty raised beds, an orchard of heritage apples and a tool "
    "shed run entirely by volunteers since 1994.",
    "Plots are shared by families, schools and the care home across the road. Work mornings are on Saturdays; "
    "tea, gloves and advice are provided, and nobody needs experience to join.",
    "Browse the planting calendar, read the minutes of the last meeting, or ask to join the waiting list for a "
    "bed of your own.",
)
MANUAL_INDEX = (
    "The Tidewave manual covers installing the tide-prediction server, configuring harbour stations, importing "
    "gauge records and publishing forecasts. Choose a version below: the current release is 3.2, and older "
    "manuals are kept for sites that cannot upgrade yet. Each chapter lists the configuration keys it mentions."
)


def _paragraphs(paragraphs: tuple[str, ...]) -> str:
    return "\n".join(f"<p>{html.escape(text)}</p>" for text in paragraphs)


def article_page(site: str, title: str, paragraphs: tuple[str, ...], *, date: str, views: int, aside: str) -> bytes:
    """A CMS article: head with scripts, site navigation, the article in <main>, a sidebar, a footer."""
    menu = "".join(f'<li><a href="/{name}/">{name.title()}</a></li>' for name in ("archive", "about", "contact"))
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)} | {site}</title>
<link rel="stylesheet" href="/theme/site.css"><script>window.dataLayer = window.dataLayer || [];</script>
</head><body class="post-template">
<header><a class="logo" href="/">{site}</a><nav><ul>{menu}</ul></nav></header>
<main><article>
<h1>{html.escape(title)}</h1>
<p class="byline">Posted on <time>{date}</time> · {views} views</p>
{_paragraphs(paragraphs)}
</article></main>
<aside><h2>Popular this week</h2><ul>{aside}</ul></aside>
<footer><p>© {site}. Comments are moderated.</p>
<form class="newsletter"><label>Newsletter</label><input type="email"><button>Subscribe</button></form></footer>
</body></html>""".encode()


def page(title: str, body: str, *, head: str = "") -> bytes:
    head = f"<meta charset='utf-8'><title>{title}</title>{head}"
    return f"<!doctype html><html><head>{head}</head><body>{body}</body></html>".encode()


def html_response(body: bytes, status: int = 200) -> Response:
    return Response(status, body, {"Content-Type": "text/html; charset=utf-8"})


def redirect(status: int, location: str) -> Response:
    return Response(status, b"", {"Location": location, "Content-Type": "text/html; charset=utf-8"})


def parking_page(domain: str) -> bytes:
    """A pay-per-click parking page: the bare domain as title, ads, a call to buy, a parking script."""
    searches = "".join(
        f'<li><a href="/search?q={quote(term)}">{term}</a></li>'
        for term in ("Cheap Flights", "Car Insurance Quotes", "Online Degrees", "Web Hosting", "Dating Sites")
    )
    return page(
        domain,
        f"""<div class="domain"><h1>{domain}</h1>
<p>This domain may be for sale! <a href="https://sedo.com/search/details/?domain={domain}">Buy this domain</a></p></div>
<div class="ads"><h2>Related searches</h2><ul>{searches}</ul></div>
<p class="disclaimer">The sponsored listings displayed above are served automatically by a third party.
Neither the service provider nor the domain owner maintain any relationship with the advertisers.</p>""",
        head='<script src="https://img.sedoparking.com/js/park.2.js"></script>',
    )


def lander_page(domain: str) -> bytes:
    """A domain marketplace's sales lander, reached by a redirect from the expired domain."""
    return page(
        f"{domain} is for sale",
        f"""<main><h1>The domain {domain} is for sale</h1>
<p>Make an offer today. Secure checkout, fast transfer and buyer protection on every purchase.</p>
<p><a href="https://dan.com/buy-domain/{domain}">Buy it now</a> or lease to own from a small monthly payment.</p>
</main>""",
    )


def news_not_found(path: str) -> bytes:
    """The news site's "not found" template, answered with 200 and echoing the path asked."""
    latest = "".join(f"<li><a href='/news/2021/{slug}'>{slug.replace('-', ' ')}</a></li>"
                     for slug in ("harbour-dredging-begins", "lifeboat-open-day", "council-budget-vote"))  # fmt: skip
    return page(
        "Page not found | The Harbour Gazette",
        f"""<header><a href="/">The Harbour Gazette</a></header><main><h1>Page not found</h1>
<p>Sorry, we could not find the page you were looking for at {html.escape(path)}. It may have been moved
during our website redesign, or the address may be mistyped.</p>
<p>Try searching the archive, or start again from our front page.</p>
<h2>Latest stories</h2><ul>{latest}</ul></main><footer>The Harbour Gazette, est. 1887</footer>""",
    )


def shop_template(path: str) -> bytes:
    """The shop's catch-all: any unknown path gets a search page echoing the slug in words (200)."""
    slug = path.rstrip("/").rsplit("/", 1)[-1].replace("-", " ")
    return page(
        "Maple Outfitters | Outdoor clothing and equipment since 1978",
        f"""<header><a href="/">Maple Outfitters</a></header><main><h1>Looking for something?</h1>
<p>You searched for {html.escape(slug)}. Here is what other walkers and climbers are buying this week, from
waterproof jackets and merino layers to tents, stoves and head torches. Free delivery on orders over fifty
pounds and free returns within ninety days. Visit one of our twelve stores to try boots on with an expert
fitter, or call our friendly advisers seven days a week for help choosing the right kit for your next trip.</p>
<ul><li>Rain jackets</li><li>Fleece and midlayers</li><li>Walking boots</li><li>Tents and shelters</li></ul>
</main><footer>Maple Outfitters Ltd</footer>""",
    )


def wiki_page(title: str, paragraphs: tuple[str, ...]) -> bytes:
    return page(
        f"{title} - Field Wiki",
        f"""<nav><a href="/wiki/Main_Page">Main page</a> <a href="/wiki/Special:Random">Random article</a></nav>
<main><h1>{title}</h1><p><i>From Field Wiki, the free field encyclopedia</i></p>{_paragraphs(paragraphs)}</main>
<footer>Text is available under a Creative Commons licence.</footer>""",
    )


WIKI_404 = page("Not Found", "<h1>Not Found</h1><p>The requested URL was not found on this server.</p>")
SPA_SHELL = page(
    "Harbourmaster Console",
    '<noscript>You need to enable JavaScript to run this app.</noscript><div id="root"></div>',
    head='<script defer src="/static/js/main.4f1c2a.js"></script>',
)
# create-react-app's notice, where it puts it (<noscript>), over a static splash of a few dozen words.
SPLASH_SHELL = page(
    "Harbourmaster Console",
    """<noscript>You need to enable JavaScript to run this app.</noscript><div id="root"><div class="splash">
<p>Harbourmaster Console is the tide and berth planner used by harbour authorities around the coast. Plan
berths, log vessel movements, record pilotage and publish notices to mariners from one screen.</p>
<p>Loading the console, please wait.</p></div></div>""",
    head='<script defer src="/static/js/main.9b7e01.js"></script>',
)
LOGIN_PAGE = page(
    "Sign in | Anglers' Forum",
    """<main><h1>Sign in to continue</h1><form method="post" action="/login">
<label>Username <input type="text" name="user"></label>
<label>Password <input type="password" name="password"></label>
<button>Sign in</button></form><p><a href="/password/reset">Forgot your password?</a></p></main>""",
)
MANUAL_PAGE = page(
    "Tidewave manual",
    f"<main><h1>Tidewave manual</h1><p>{MANUAL_INDEX}</p><ul><li><a href='/manual/v3/'>3.2</a></li></ul></main>",
)
GARDEN_PAGE = page("Riverside Community Garden", f"<main><h1>Riverside Garden</h1>{_paragraphs(GARDEN_HOME)}</main>")


# -- the fake web -----------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, slots=True)
class Hit:
    host: str
    method: str
    target: str  # path and query


class RotWeb:
    """Every host of the web above, on three loopback addresses (names spread over them)."""

    def __init__(self) -> None:
        self.phase = "before"
        self._hits: list[Hit] = []
        self._lock = threading.Lock()
        self._server = LoopbackServer(serve_requests(self._handle), ADDRESSES)

    def start(self) -> RotWeb:
        self._server.start()
        return self

    def stop(self) -> None:
        self._server.stop()

    def reset(self) -> None:
        self.phase = "before"
        with self._lock:
            self._hits.clear()

    def url(self, host: str, path: str) -> str:
        return f"http://{host}:{self._server.port}{path}"

    def resolve(self) -> tuple[str, ...]:
        return tuple(f"{host}:{ADDRESSES[index % len(ADDRESSES)]}" for index, host in enumerate(HOSTS))

    def hits(self) -> list[Hit]:
        with self._lock:
            return list(self._hits)

    def take(self) -> list[Hit]:
        """The requests since the last call (and forget them)."""
        with self._lock:
            hits, self._hits = self._hits, []
        return hits

    async def _handle(self, request: Request) -> Response:
        host = request.headers.get("host", "").rsplit(":", 1)[0].lower()
        with self._lock:
            self._hits.append(Hit(host, request.method, request.target))
        parts = urlsplit(request.target)
        route: Callable[[str, dict[str, list[str]]], Response] | None = getattr(self, "_" + host.split(".")[0], None)
        if route is None:
            return html_response(WIKI_404, 404)
        return route(parts.path, parse_qs(parts.query))

    # Each host: (path, query) -> its answer.

    def _blog(self, path: str, _query: dict[str, list[str]]) -> Response:
        after = self.phase == "after"
        aside = "<li>Mending a cane chair</li><li>Plum jam</li>"
        if after:
            aside = "<li>Knife sharpening basics</li><li>Quince paste</li><li>Repairing a wicker basket</li>"
        if path == "/2020/05/restoring-a-cast-iron-skillet":
            if after:  # the domain changed hands: a lender's landing page under the old address
                return html_response(article_page("Home Finance Hub", "Compare mortgage rates today", MORTGAGE,
                                                  date="January 9, 2025", views=88_412, aside=aside))  # fmt: skip
            return html_response(article_page("Kitchen Ledger", "Restoring a cast-iron skillet", CAST_IRON,
                                              date="May 17, 2020", views=1_204, aside=aside))  # fmt: skip
        if path == "/2019/11/sourdough-starter-notes":
            sentences = [SOURDOUGH_EDITS.get(index, text) if after else text for index, text in enumerate(SOURDOUGH)]
            paragraphs = tuple(" ".join(sentences[start : start + 4]) for start in range(0, len(sentences), 4))
            date, views = ("November 2, 2019 (updated March 3, 2024)", 9_870) if after else ("November 2, 2019", 3_311)
            return html_response(article_page("Kitchen Ledger", "Sourdough starter notes", paragraphs,
                                              date=date, views=views, aside=aside))  # fmt: skip
        if path == "/2018/02/winter-cycling-commute":
            return html_response(article_page("Kitchen Ledger", "Cycling to work through the winter", WINTER_CYCLING,
                                              date="February 11, 2018", views=640, aside=aside))  # fmt: skip
        return html_response(WIKI_404, 404)

    def _wiki(self, path: str, _query: dict[str, list[str]]) -> Response:
        if path == "/wiki/Glacier_retreat":
            return html_response(wiki_page("Glacier retreat", GLACIER))
        if path in ("/wiki/Glacier_shrinkage", "/wiki/Ice_loss_survey"):
            return redirect(301, "/wiki/Glacier_retreat")  # renamed for good
        if path == "/random/featured":
            return redirect(302, "/wiki/Glacier_retreat")  # today's featured article
        if path == "/random/today":
            return redirect(302, "/wiki/Glacier_shrinkage")  # today's pick, under a name since moved
        return html_response(WIKI_404, 404)

    def _news(self, path: str, _query: dict[str, list[str]]) -> Response:
        if path == "/news/2021/harbour-dredging-begins":
            aside = "<li>Tide tables</li>"
            return html_response(article_page("The Harbour Gazette", "Harbour dredging begins", DREDGING,
                                              date="June 7, 2021", views=5_120, aside=aside))  # fmt: skip
        return html_response(news_not_found(path))

    def _shop(self, path: str, _query: dict[str, list[str]]) -> Response:
        if path == "/catalog/waxed-canvas-rucksack":
            return html_response(article_page("Maple Outfitters", "Waxed canvas rucksack, 30 litres", RUCKSACK,
                                              date="in stock", views=312, aside="<li>Leather dubbin</li>"))  # fmt: skip
        return html_response(shop_template(path))

    def _docs(self, path: str, _query: dict[str, list[str]]) -> Response:
        if path == "/manual/":
            return html_response(MANUAL_PAGE)
        return redirect(301, "/manual/")  # every old page goes to the manual's index

    def _garden(self, path: str, _query: dict[str, list[str]]) -> Response:
        if path == "/":
            return html_response(GARDEN_PAGE)
        return redirect(301, "/")  # every unknown page goes home

    def _app(self, _path: str, _query: dict[str, list[str]]) -> Response:
        return html_response(SPA_SHELL)  # every path: the same shell, routed by scripts

    def _console(self, _path: str, _query: dict[str, list[str]]) -> Response:
        return html_response(SPLASH_SHELL)  # every path: the same shell, with a splash

    def _forum(self, path: str, _query: dict[str, list[str]]) -> Response:
        if path in ("/login", "/users/sign_in"):
            return html_response(LOGIN_PAGE)
        if path.startswith("/threads/"):
            return redirect(302, "/login?next=" + quote(path))
        if path.startswith("/groups/"):
            return redirect(301, "/users/sign_in")  # a wall, even when said to be permanent
        return html_response(WIKI_404, 404)

    def _parked(self, _path: str, _query: dict[str, list[str]]) -> Response:
        return html_response(parking_page(PARKED))

    def _oldclub(self, _path: str, _query: dict[str, list[str]]) -> Response:
        return redirect(302, f"http://{FORSALE}:{self._server.port}/lander?domain={OLDCLUB}")

    def _expired(self, _path: str, _query: dict[str, list[str]]) -> Response:
        return redirect(302, f"http://{WW1_EXPIRED}:{self._server.port}/")  # a parking service's ww1. host

    def _ww1(self, _path: str, _query: dict[str, list[str]]) -> Response:
        return html_response(parking_page(EXPIRED))

    def _forsale(self, path: str, query: dict[str, list[str]]) -> Response:
        if path == "/lander":
            return html_response(lander_page(query.get("domain", ["?"])[0]))
        return html_response(WIKI_404, 404)


# -- helpers ----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def web_server() -> Iterator[RotWeb]:
    server = RotWeb().start()
    yield server
    server.stop()


@pytest.fixture
def web(web_server: RotWeb) -> RotWeb:
    """The fake web in its first phase, with no request logged yet."""
    web_server.reset()
    return web_server


def settings_for(web: RotWeb, **check: Any) -> Settings:
    """Every detector on (the defaults), every host resolved to loopback, no retries."""
    return dataclasses.replace(Settings(), check=CheckSettings(resolve=web.resolve(), retries=0, timeout=5.0, **check))


def write_links(path: Path, urls: list[str]) -> None:
    path.write_text("# Reading list\n\n" + "".join(f"- [source {i}]({url})\n" for i, url in enumerate(urls)))


def checked(
    web: RotWeb, workdir: Path, urls: list[str], *, now: datetime | None = None, **check: Any
) -> dict[str, CheckResult]:
    """One ``run_check`` of a page linking ``urls`` (every link asked again: no cache) on the
    working directory's history; the results by URL."""
    write_links(workdir / "links.md", urls)
    with History.open(workdir / "history.sqlite") as history:
        report = run_check(["links.md"], settings_for(web, **check), history=history, now=now, use_cache=False)
    return {entry.target.url: entry.result for entry in report.entries}


def report_of(web: RotWeb, workdir: Path, urls: list[str], db: Path) -> RunReport:
    write_links(workdir / "links.md", urls)
    with History.open(db) as history:
        return run_check(["links.md"], settings_for(web), history=history, use_cache=False)


def probes(hits: list[Hit], host: str | None = None) -> list[Hit]:
    return [hit for hit in hits if PROBE_MARK in hit.target and (host is None or hit.host == host)]


def cli(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def resolve_args(web: RotWeb) -> list[str]:
    return [arg for entry in web.resolve() for arg in ("--resolve", entry)]


# -- one run: every kind of rot, and everything that must stay alive --------------------------------

FLAGGED = [  # host, path, outcome, error kind
    (PARKED, "/guides/sourdough-starter", Outcome.BROKEN, ErrorKind.PARKED),
    (PARKED, "/", Outcome.BROKEN, ErrorKind.PARKED),  # a parked homepage is parked too
    (OLDCLUB, "/events/2019/regatta", Outcome.BROKEN, ErrorKind.PARKED),  # via a redirect to a sales lander
    (NEWS, "/news/2018/ferry-timetable-changes", Outcome.BROKEN, ErrorKind.SOFT_404),  # "Page not found", 200
    (SHOP, "/catalog/trail-runner-x2-blue", Outcome.BROKEN, ErrorKind.SOFT_404),  # the page its probe gets
    (DOCS, "/manual/v1/installing-on-solaris", Outcome.BROKEN, ErrorKind.SOFT_404),  # where its probe goes too
    (GARDEN, "/events/2017/seed-swap", Outcome.BROKEN, ErrorKind.SOFT_404),  # redirected home
    (FORUM, "/threads/8812-private-board-rules", Outcome.BLOCKED, ErrorKind.LOGIN_WALL),  # /login?next=…
    (FORUM, "/groups/moderators/wiki", Outcome.BLOCKED, ErrorKind.LOGIN_WALL),  # 301 to /users/sign_in
    (WIKI, "/wiki/Nonexistent_moraine_lake", Outcome.BROKEN, ErrorKind.HTTP_STATUS),  # a proper 404
]
KEPT = [  # host, path, outcome: pages that must not be flagged
    (WIKI, "/wiki/Glacier_shrinkage", Outcome.REDIRECTED),  # a permanent redirect to a real page
    (WIKI, "/random/featured", Outcome.ALIVE),  # a temporary redirect to a real page
    (WIKI, "/wiki/Glacier_retreat", Outcome.ALIVE),  # a real page on a site with proper 404s
    (NEWS, "/news/2021/harbour-dredging-begins", Outcome.ALIVE),  # a real page on a soft-404 site
    (SHOP, "/catalog/waxed-canvas-rucksack", Outcome.ALIVE),  # ditto, whose unknown pages echo the slug
    (GARDEN, "/", Outcome.ALIVE),  # the homepage of a site that sends unknown paths home
    (APP, "/dashboard/reports/quarterly", Outcome.ALIVE),  # a single-page app's deep path
    (BLOG, "/2020/05/restoring-a-cast-iron-skillet", Outcome.ALIVE),
    (BLOG, "/2019/11/sourdough-starter-notes", Outcome.ALIVE),
    (BLOG, "/2018/02/winter-cycling-commute", Outcome.ALIVE),  # a third folder: past the probe budget
]


def test_one_run_tells_each_kind_of_rot_and_keeps_live_pages_alive(web: RotWeb, workdir: Path) -> None:
    """Parked (same URL, or after a redirect), soft 404s (the page says so, its probe gets the same
    page, its probe is redirected to the same place, a redirect home) and login walls are caught in
    one run; live pages on the same sites, a homepage, an app's deep path and redirects to real pages
    are not; every link is one GET, and no host gets more than two probes."""
    urls = [web.url(host, path) for host, path, *_ in FLAGGED + KEPT]
    results = checked(web, workdir, urls)
    got = {url: (results[url].outcome, results[url].error_kind) for url in urls}
    assert got == {web.url(host, path): (outcome, kind) for host, path, outcome, kind in FLAGGED} | {
        web.url(host, path): (outcome, None) for host, path, outcome in KEPT
    }
    assert results[web.url(WIKI, "/wiki/Nonexistent_moraine_lake")].status_code == 404
    assert "says it is not found" in results[web.url(NEWS, "/news/2018/ferry-timetable-changes")].error
    assert "as a URL that cannot exist" in results[web.url(SHOP, "/catalog/trail-runner-x2-blue")].error
    assert "where a URL that cannot exist" in results[web.url(DOCS, "/manual/v1/installing-on-solaris")].error
    assert "forsale.test" in results[web.url(OLDCLUB, "/events/2019/regatta")].error
    assert results[web.url(WIKI, "/wiki/Glacier_shrinkage")].final_url == web.url(WIKI, "/wiki/Glacier_retreat")
    hits = web.hits()
    assert {hit.method for hit in hits} == {"GET"}  # pages are read: never HEAD
    budget = CheckSettings().soft_404_probes
    assert all(len(probes(hits, host)) <= budget for host in HOSTS)
    assert len(probes(hits, BLOG)) == min(3, budget)  # three folders: one probe each, within the budget
    for host in (GARDEN, APP, PARKED, OLDCLUB, FORUM):  # home, app shell, parked, wall: nothing to probe
        assert probes(hits, host) == [], host
    for hit in probes(hits):  # <folder>/lk-<hex>, in the folder of a link of that host
        folder, name = hit.target.rsplit("/", 1)
        assert re.fullmatch(r"lk-[0-9a-f]{8,}", name), hit
        assert any(urlsplit(url).path.startswith(folder + "/") for url in urls if urlsplit(url).hostname == hit.host)


def test_a_deep_link_sent_to_a_parking_hosts_home_is_parked(web: RotWeb, workdir: Path) -> None:
    """An expired domain sends every path to the home of a parking service's ww1. host: a parking
    page after a redirect to another host is ``parked``, deep link or not (it is so for the homepage)."""
    home, deep = web.url(EXPIRED, "/"), web.url(EXPIRED, "/minutes/2016-agm")
    results = checked(web, workdir, [home, deep])
    assert (results[home].outcome, results[home].error_kind) == (Outcome.BROKEN, ErrorKind.PARKED)
    assert (results[deep].outcome, results[deep].error_kind) == (Outcome.BROKEN, ErrorKind.PARKED)


# -- the JSON contract, as CI runs it ---------------------------------------------------------------

CONTRACT = {  # name: (host, path)
    "parked": (PARKED, "/guides/sourdough-starter"),
    "not_found": (NEWS, "/news/2018/ferry-timetable-changes"),
    "template": (SHOP, "/catalog/trail-runner-x2-blue"),
    "drifting": (BLOG, "/2020/05/restoring-a-cast-iron-skillet"),
    "edited": (BLOG, "/2019/11/sourdough-starter-notes"),
    "real": (WIKI, "/wiki/Glacier_retreat"),
    "gone": (WIKI, "/wiki/Nonexistent_moraine_lake"),
}


def test_json_contract_over_two_runs(web: RotWeb, workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``linkkeeper check . --format json --output F`` twice on one history, the web changed in
    between: rot is caught on the first run already, the drifted page is the only ``drifted``
    verdict of the second, a plain 404 stays an HTTP status, and the second run asks every link."""
    site, state = workdir / "site", workdir / "state"
    site.mkdir()
    state.mkdir()
    monkeypatch.chdir(site)
    urls = {name: web.url(host, path) for name, (host, path) in CONTRACT.items()}
    (site / "README.md").write_text(
        "# Notes\n\n" + "".join(f"See [{name}]({url}) for more.\n" for name, url in urls.items())
    )

    def run(output: Path, *extra: str) -> dict[str, dict[str, object]]:
        args = ["check", ".", "--db", str(state / "h.sqlite"), "--timeout", "5", "--retries", "1", "--format", "json"]
        args += ["--output", str(output), "--no-progress", "--report-formats", "none", *resolve_args(web), *extra]
        result = cli(*args)
        assert result.exit_code == 1, result.output  # broken links: the default --fail-on
        targets = json.loads(output.read_text())["targets"]
        by_url = {target["url"]: target for target in targets}
        return {name: by_url[url] for name, url in urls.items()}

    first = run(state / "first.json")
    first_hits = web.take()
    web.phase = "after"
    second = run(state / "second.json", "--no-cache")
    second_hits = web.take()

    for targets in (first, second):
        assert (targets["parked"]["outcome"], targets["parked"]["error_kind"]) == ("broken", "parked")
        assert (targets["not_found"]["outcome"], targets["not_found"]["error_kind"]) == ("broken", "soft-404")
        assert (targets["template"]["outcome"], targets["template"]["error_kind"]) == ("broken", "soft-404")
        gone = targets["gone"]
        assert (gone["outcome"], gone["error_kind"], gone["status_code"]) == ("broken", "http-status", 404)
        assert targets["real"]["outcome"] == "alive" and targets["real"]["verdict"] != "drifted"
    assert [first[name]["verdict"] for name in ("drifting", "edited")] == ["alive", "alive"]
    assert (second["drifting"]["outcome"], second["drifting"]["verdict"]) == ("alive", "drifted")
    said = str(second["drifting"]["error"])
    assert said.startswith("drifted: ") and "like the page first seen alive here (cited as 'restoring a cast" in said
    edited = second["edited"]
    assert (edited["outcome"], edited["verdict"], edited["error"]) == ("alive", "alive", "")
    assert json.loads((state / "second.json").read_text())["summary"]["verdicts"]["drifted"] == 1
    for hits in (first_hits, second_hits):
        assert {hit.method for hit in hits} == {"GET"}
        asked = {(hit.host, hit.target) for hit in hits}
        assert all((host, path) in asked for host, path in CONTRACT.values())  # every link, each run


# -- probes kept in the history; detectors switched off ---------------------------------------------

PROBED = [  # links whose folders are probed, on five sites
    (SHOP, "/catalog/trail-runner-x2-blue"),
    (SHOP, "/catalog/waxed-canvas-rucksack"),
    (NEWS, "/news/2021/harbour-dredging-begins"),
    (DOCS, "/manual/v1/installing-on-solaris"),
    (WIKI, "/wiki/Glacier_retreat"),
    (BLOG, "/2020/05/restoring-a-cast-iron-skillet"),
    (BLOG, "/2019/11/sourdough-starter-notes"),
]


def test_probes_are_reused_from_the_history_while_fresh(web: RotWeb, workdir: Path) -> None:
    """A second run on the same history asks every link again but no probe, and judges alike with
    the probes kept; a week later (probe_max_age) they are asked anew."""
    urls = [web.url(host, path) for host, path in PROBED]
    first = checked(web, workdir, urls)
    made = probes(web.take())
    assert {hit.host for hit in made} == {SHOP, NEWS, DOCS, WIKI, BLOG}
    second = checked(web, workdir, urls)
    hits = web.take()
    assert probes(hits) == []
    redirected_to = {(DOCS, "/manual/")}
    assert {(hit.host, hit.target) for hit in hits} == set(PROBED) | redirected_to  # each link asked again
    outcomes = {url: (result.outcome, result.error_kind) for url, result in first.items()}
    assert {url: (result.outcome, result.error_kind) for url, result in second.items()} == outcomes
    assert outcomes[web.url(SHOP, "/catalog/trail-runner-x2-blue")] == (Outcome.BROKEN, ErrorKind.SOFT_404)
    assert outcomes[web.url(DOCS, "/manual/v1/installing-on-solaris")] == (Outcome.BROKEN, ErrorKind.SOFT_404)
    assert outcomes[web.url(SHOP, "/catalog/waxed-canvas-rucksack")] == (Outcome.ALIVE, None)
    later = checked(web, workdir, urls, now=datetime.now(UTC) + timedelta(days=8))
    assert {hit.host for hit in probes(web.take())} == {SHOP, NEWS, DOCS, WIKI, BLOG}
    assert {url: (result.outcome, result.error_kind) for url, result in later.items()} == outcomes


def test_detect_parked_false_in_the_config_keeps_a_parked_domain_alive(web: RotWeb, workdir: Path) -> None:
    """``detect_parked = false`` in linkkeeper.toml: the parked homepage is alive (and a deep link
    there is at most what the other detectors make of it, never ``parked``)."""
    entries = ", ".join(f'"{entry}"' for entry in web.resolve())
    (workdir / "linkkeeper.toml").write_text(f"[check]\nresolve = [{entries}]\nretries = 0\ndetect_parked = false\n")
    home, deep = web.url(PARKED, "/"), web.url(PARKED, "/guides/sourdough-starter")
    write_links(workdir / "links.md", [home, deep])
    result = cli("check", "links.md", "--format", "json", "--no-progress", "--report-formats", "none")
    targets = {target["url"]: target for target in json.loads(result.stdout)["targets"]}
    assert (targets[home]["outcome"], targets[home]["error_kind"]) == ("alive", None)
    assert targets[deep]["error_kind"] != "parked"
    assert {hit.method for hit in web.hits()} == {"GET"}  # the other detectors still read pages


def test_detect_soft_404_false_asks_no_probe_and_keeps_200_pages_alive(web: RotWeb, workdir: Path) -> None:
    urls = [web.url(NEWS, "/news/2018/ferry-timetable-changes"), web.url(SHOP, "/catalog/trail-runner-x2-blue")]
    results = checked(web, workdir, urls, detect_soft_404=False)
    assert [(results[url].outcome, results[url].error_kind) for url in urls] == [(Outcome.ALIVE, None)] * 2
    assert probes(web.hits()) == []


def test_with_every_detector_off_a_link_is_asked_with_head_first(web: RotWeb, workdir: Path) -> None:
    url = web.url(PARKED, "/")
    assert checked(web, workdir, [url], now=None, **HEAD_FIRST)[url].outcome is Outcome.ALIVE
    assert [hit.method for hit in web.hits()] == ["HEAD"]


# -- drift ------------------------------------------------------------------------------------------


DRIFTED_SAYS = (
    r"drifted: \d{1,2}% like the page first seen alive here"
    r" \(cited as 'restoring a cast-iron skillet \| kitchen ledger'\)"
)


def test_drift_is_measured_against_the_page_first_seen_alive(web: RotWeb, workdir: Path) -> None:
    """Runs with the blog before, after, after and before its change: the replaced page drifts and
    stays drifted while it differs from the *first* page (its fingerprint is not overwritten), and
    is no longer drifted once it is back; the benignly edited page never drifts."""
    drifting, edited = web.url(*CONTRACT["drifting"]), web.url(*CONTRACT["edited"])
    db = workdir / "history.sqlite"
    verdicts = []
    for phase in ("before", "after", "after", "before"):
        web.phase = phase
        report = report_of(web, workdir, [drifting, edited], db)
        entries = {entry.target.url: entry for entry in report.entries}
        assert {entry.result.outcome for entry in entries.values()} == {Outcome.ALIVE}
        verdicts.append((entries[drifting].verdict, entries[edited].verdict))
        if entries[drifting].verdict is Verdict.DRIFTED:
            assert re.fullmatch(DRIFTED_SAYS, entries[drifting].result.error), entries[drifting].result.error
    drifted, alive = Verdict.DRIFTED, Verdict.ALIVE
    assert verdicts == [(alive, alive), (drifted, alive), (drifted, alive), (alive, alive)]


def test_fail_on_drifted_fails_a_drifted_link_and_the_default_does_not(web: RotWeb, workdir: Path) -> None:
    """The text summary has a DRIFTED section; only ``--fail-on drifted`` makes drift exit 1."""
    drifting, edited = web.url(*CONTRACT["drifting"]), web.url(*CONTRACT["edited"])
    write_links(workdir / "links.md", [drifting, edited, web.url(WIKI, "/wiki/Glacier_retreat")])
    base = ["check", "links.md", "--no-progress", "--report-formats", "none", "--retries", "0", *resolve_args(web)]
    assert cli(*base).exit_code == 0
    web.phase = "after"
    default = cli(*base, "--no-cache")
    assert default.exit_code == 0, default.output
    section = default.output.split("DRIFTED: 1 link in 1 place (alive, but not the page cited)\n", 1)[1]
    assert f"links.md:3:14  {drifting}  drifted: " in section
    assert edited not in section
    strict = cli(*base, "--no-cache", "--fail-on", "drifted")
    assert strict.exit_code == 1, strict.output
    assert cli(*base, "--fail-on", "drifted").exit_code == 1  # a cached answer keeps its drift


# -- fix --redirects --------------------------------------------------------------------------------


def test_fix_redirects_rewrites_only_permanent_moves_to_real_pages(web: RotWeb, workdir: Path) -> None:
    """Of a permanent redirect to a real page, a temporary one, two to a sign-in page (302 and 301)
    and two of deep links to a site's home or a section index, ``fix --redirects`` rewrites only the
    first, byte for byte, and a second ``fix --redirects`` finds nothing to do."""
    moved = web.url(WIKI, "/wiki/Ice_loss_survey")
    links = {
        moved: "redirected",
        web.url(WIKI, "/random/featured"): "alive",
        web.url(FORUM, "/threads/8812-private-board-rules"): "blocked",
        web.url(FORUM, "/groups/moderators/wiki"): "blocked",
        web.url(GARDEN, "/events/2017/seed-swap"): "broken",
        web.url(DOCS, "/manual/v1/installing-on-solaris"): "broken",
    }
    text = (
        "# Field trip — sources\n\n"
        + "".join(f"* [{name}]({url}) — noted  \n" for name, url in zip("ABCDEF", links, strict=True))
        + f"\nAlso: <{web.url(WIKI, '/random/featured')}>\n"
    )
    page = workdir / "trip.md"
    page.write_bytes(text.encode())
    db = str(workdir / "state.sqlite")
    checked_run = cli("check", "trip.md", "--db", db, "--format", "json", "--no-progress", "--report-formats", "none",
                      "--retries", "0", *resolve_args(web))  # fmt: skip
    targets = {target["url"]: target["outcome"] for target in json.loads(checked_run.stdout)["targets"]}
    assert targets == links
    fixed = cli("fix", "trip.md", "--redirects", "--db", db)
    assert fixed.exit_code == 0, fixed.output
    assert page.read_bytes() == text.replace(moved, web.url(WIKI, "/wiki/Glacier_retreat")).encode()
    after_first = page.read_bytes()
    again = cli("fix", "trip.md", "--redirects", "--db", db)
    assert again.exit_code == 0, again.output
    assert page.read_bytes() == after_first


def test_fix_redirects_keeps_the_fragment_of_a_moved_link(web: RotWeb, workdir: Path) -> None:
    """A fragment is the reader's place on the page: it goes along to the new URL."""
    moved = web.url(WIKI, "/wiki/Ice_loss_survey")
    page = workdir / "notes.md"
    page.write_text(f"See [causes]({moved}#Causes) and [the survey]({moved}).\n")
    db = str(workdir / "state.sqlite")
    cli("check", "notes.md", "--db", db, "--no-progress", "--report-formats", "none", *resolve_args(web))
    assert cli("fix", "notes.md", "--redirects", "--db", db).exit_code == 0
    new = web.url(WIKI, "/wiki/Glacier_retreat")
    assert page.read_text() == f"See [causes]({new}#Causes) and [the survey]({new}).\n"


def test_an_app_shell_with_its_notice_in_noscript_and_a_splash_is_never_flagged(web: RotWeb, workdir: Path) -> None:
    """create-react-app puts "You need to enable JavaScript to run this app." in <noscript>; a shell
    with that notice and a splash of a few dozen words answers every path alike and must stay alive."""
    url = web.url(CONSOLE, "/berths/north-quay/schedule")
    result = checked(web, workdir, [url])[url]
    assert (result.outcome, result.error_kind) == (Outcome.ALIVE, None)


def test_fix_redirects_leaves_a_link_whose_own_redirect_is_temporary(web: RotWeb, workdir: Path) -> None:
    """/random/today is 302 (use this URL again next time) to a page since moved for good (301): the
    link itself did not move, so it is alive and ``fix --redirects`` leaves it."""
    today = web.url(WIKI, "/random/today")
    page = workdir / "notes.md"
    page.write_text(f"Today's [featured article]({today}).\n")
    db = str(workdir / "state.sqlite")
    result = cli("check", "notes.md", "--db", db, "--format", "json", "--no-progress", "--report-formats", "none",
                 *resolve_args(web))  # fmt: skip
    assert cli("fix", "notes.md", "--redirects", "--db", db).exit_code == 0
    assert page.read_text() == f"Today's [featured article]({today}).\n"
    assert json.loads(result.stdout)["targets"][0]["outcome"] == "alive"
