"""Reference rot: parked domains, soft 404s, drifted pages and login walls, judged apart from the detectors.

Run: python3 bench/reference_rot.py [--seeds 3] [--linkkeeper linkkeeper] [--keep DIR] [--verbose]

Per seed it generates a fake web of about 60 hosts (``siteNNN.example`` and a few parking, marketplace
and sign-in hosts, each on its own 127.0.0.x address, all on one port, reached through linkkeeper's
``--resolve``), and a Markdown folder that links every URL in it once. The web has two states, *early*
and *late*. linkkeeper checks the folder once against the early state, the web switches to the late
state, and linkkeeper checks it again with ``--no-cache`` and the same history database.

The links, each with a known truth in each state:

* parked: the domain answers a parking or for-sale page (seven styles: a broker's sale page, a
  pay-per-click "related searches" page, a registrar's placeholder, a script-only lander, an
  expiry notice, a German or French sale page, a marketplace's lease-to-own listing), either with a
  200 at the same URL or with a 302 (one or two hops) to a page at another host; half the domains
  are parked from the first check on, half become parked between the checks;
* soft-404: deep links on sites that answer every missing path with a 200: a not-found template
  with the words in its title, one with them only in the body (every page of the site titled
  alike), a redirect to the section index, to the home page, or to an error page; links that were
  already missing at the first check, and pages removed between the checks;
* drifted: articles that become an unrelated page under the same URL: a new title (another article,
  or spam), or the same title over an unrelated body;
* login: permanent redirects (301 or 308) to a sign-in page, mostly ``/login?next=…``, some in
  other common forms;
* keep (must not be flagged): unchanged pages; pages whose dates, counters, sidebars or ads change,
  or a fifth of whose text is rewritten; home pages (also on sites that redirect unknown paths
  home); section indexes; pages on soft-404 sites that exist; single-page-app shells (every path
  the same near-empty page, rebuilt between the checks); articles *about* 404 pages and about
  buying domains; real 404s (must stay broken, http-status, 404) and real permanent moves (must
  be redirected).

Scores, from each run's JSON report: recall per class (parked: outcome broken + error_kind parked;
soft-404: broken + soft-404; drifted: verdict drifted; login: not redirected, and blocked or
soft-404), false flags on the links healthy in that run's state, and requests per host counted by
the server: the extra ones beyond what following each link's own redirects needs. Prints a table
per seed and a summary, then "TARGETS MET" or the targets missed: parked 100 % and soft-404 >= 95 %
in both runs, drift >= 80 %, no false flag in either run, <= 2 extra requests per host per run on
average. It always exits 0: it is a benchmark, and a linkkeeper that knows none of these classes
simply scores low.

The fake web and its pages are written here and only here, apart from linkkeeper's detectors.
Nothing is sent anywhere but the 127.0.0.x addresses this script listens on.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gzip
import html
import json
import os
import random
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from email.utils import formatdate
from http import HTTPStatus
from pathlib import Path
from urllib.parse import quote, urljoin, urlsplit

# ---------------------------------------------------------------------------------------------
# Text material: topics to write articles about, generic sentence frames, site names.
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Topic:
    key: str
    about: str  # what a site on it is about, for taglines
    titles: tuple[str, ...]
    nouns: tuple[str, ...]
    acts: tuple[str, ...]
    adjs: tuple[str, ...]
    lines: tuple[str, ...]  # sentences written out in full


def _split(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in text.split("|") if part.strip())


def _topic(key: str, about: str, titles: str, nouns: str, acts: str, adjs: str, lines: str) -> Topic:
    return Topic(key, about, _split(titles), _split(nouns), _split(acts), _split(adjs), _split(lines))


TOPICS: dict[str, Topic] = {
    t.key: t
    for t in (
        _topic(
            "sourdough",
            "bread, baking and slow food",
            "How I finally got an open crumb in my sourdough | A weekday sourdough schedule that fits around work"
            " | Why your sourdough is dense, and what to change first | Keeping a rye starter alive through summer"
            " | Five mistakes I made with my first sourdough loaves | Scoring sourdough: patterns that open up"
            " | Whole wheat sourdough without the brick | Baking sourdough in a small apartment oven",
            "the starter | hydration | bulk fermentation | the autolyse | the banneton | the crumb | oven spring"
            " | rye flour | the levain | a Dutch oven | the final proof | the crust | stretch and folds"
            " | the dough temperature | a bench scraper | the kitchen scale",
            "feed the starter twice a day | score the loaf just before baking | preheat the Dutch oven for an hour"
            " | drop the hydration to 70 percent | extend the bulk ferment by an hour | weigh everything in grams"
            " | shape the dough with wet hands | retard the dough in the fridge overnight",
            "open | tangy | dense | airy | blistered | predictable",
            "A lively starter should double within six hours of a feeding at room temperature."
            " | The poke test is more reliable than any timer printed in a recipe."
            " | Rice flour in the banneton keeps the dough from sticking far better than wheat flour."
            " | Steam during the first twenty minutes lets the loaf rise before the crust sets."
            " | Cold kitchens in winter can stretch bulk fermentation to eight hours or more."
            " | I bake at 250 degrees with the lid on, then drop to 230 for the last twenty minutes."
            " | A sourdough loaf keeps best cut side down on a wooden board.",
        ),
        _topic(
            "kubernetes",
            "running containers in production",
            "Debugging DNS timeouts inside a Kubernetes cluster | What happens when a Service has no endpoints"
            " | Network policies that do not lock you out of your own pods | Choosing a CNI plugin for bare metal"
            " | Ingress versus Gateway API after a year in production | Why IPVS mode fixed our latency spikes"
            " | Tracing a packet from a pod to the internet and back",
            "kube-proxy | the CNI plugin | CoreDNS | the Service CIDR | network policies | the ingress controller"
            " | conntrack | the iptables rules | the pod network | node ports | the Gateway API | the MTU"
            " | the cluster DNS | readiness probes",
            "check the conntrack table | restart the CoreDNS pods | lower the MTU on the overlay"
            " | add an explicit egress rule | run tcpdump on the node | label the namespace | drain the node first"
            " | enable IPVS mode",
            "flaky | predictable | noisy | isolated | misconfigured | fast",
            "Most DNS timeouts we saw came from a race in conntrack when two UDP packets left at once."
            " | A Service without ready endpoints still gets a ClusterIP, so the failure looks like a network problem."
            " | Default-deny policies are safe only after you have allowed DNS egress explicitly."
            " | The overlay adds fifty bytes of headers, so the pod MTU must be lower than the node MTU."
            " | kubectl describe endpoints answers more questions than any dashboard."
            " | We keep one busybox pod in every namespace just for debugging."
            " | Ingress annotations differ between controllers, which makes migrations painful.",
        ),
        _topic(
            "bicycles",
            "bicycle repair and commuting",
            "Adjusting rear derailleur indexing in ten minutes | How often should you really replace a chain?"
            " | Tubeless tyres: two years of punctures and sealant | A basic home workshop for bike maintenance"
            " | Bleeding hydraulic disc brakes without drama | Winter commuting: keeping the drivetrain alive",
            "the chain | the rear derailleur | cable tension | the cassette | the brake pads | tubeless sealant"
            " | the bottom bracket | tyre pressure | the limit screws | a chain checker | the headset"
            " | the disc rotors | the barrel adjuster | a torque wrench",
            "wipe the chain after every wet ride | turn the barrel adjuster a quarter turn"
            " | check the chain wear every month | top up the sealant | torque the stem bolts to spec"
            " | degrease the cassette | true the rear wheel | replace the brake pads",
            "worn | smooth | noisy | stretched | reliable | gritty",
            "A chain checker costs less than a cassette and pays for itself the first time you use it."
            " | Ghost shifting usually means the cable tension is off, not that the derailleur is bent."
            " | Sealant dries out faster in hot weather, so I check it every two months in summer."
            " | Contaminated pads squeal no matter how carefully you align the caliper."
            " | Most bolts on a modern bike need far less torque than people think."
            " | A drop of oil on each roller is enough; the rest only collects grit.",
        ),
        _topic(
            "birds",
            "birdwatching and the outdoors",
            "Getting started with birdwatching in a city park | Choosing binoculars: 8x42 or 10x42?"
            " | Learning bird songs before you can see the birds | Keeping a field notebook you will read later"
            " | Spring migration at the coast: what to look for | Ethical bird photography near nests",
            "the binoculars | the field guide | spring migration | bird song | a spotting scope | the dawn chorus"
            " | the warblers | the shorebirds | the notebook | the feeder | eye relief | the checklist"
            " | the wetland trail | the raptors",
            "arrive before sunrise | note the date and weather | learn three songs a week"
            " | keep your distance from the nest | scan the tree line slowly | record calls on your phone"
            " | join a local bird walk | clean the feeder weekly",
            "elusive | common | patient | quiet | rewarding | seasonal",
            "The first hour after sunrise is when most songbirds are active and easiest to hear."
            " | An 8x42 pair is brighter and steadier in the hand than 10x magnification."
            " | Writing down behaviour, not just species, makes old notes far more useful."
            " | Playback of calls can stress birds during the breeding season."
            " | A good field guide groups species by shape before colour."
            " | Shorebirds feed most actively on a falling tide.",
        ),
        _topic(
            "money",
            "personal finance without the hype",
            "Why I moved my savings into low-cost index funds | Rebalancing once a year: a simple rule that works"
            " | Emergency funds: how many months is enough? | Understanding expense ratios and why they compound"
            " | Tax-advantaged accounts explained for beginners | What I learned tracking every expense for a year",
            "the expense ratio | the emergency fund | the asset allocation | the bond fund | rebalancing"
            " | compound interest | the brokerage account | dividends | the retirement account"
            " | market volatility | a budgeting spreadsheet | the savings rate | capital gains"
            " | dollar-cost averaging",
            "automate the monthly transfer | rebalance once a year | check the expense ratio"
            " | keep six months of expenses in cash | ignore the daily news | review the budget every quarter"
            " | max out the retirement account | write down your goals",
            "boring | diversified | volatile | cheap | sustainable | steady",
            "A fund charging one percent a year can quietly eat a quarter of your returns over thirty years."
            " | Rebalancing forces you to sell what went up and buy what went down, which feels wrong and works."
            " | The emergency fund is insurance, not an investment, so it belongs in cash."
            " | Trying to time the market mostly means missing its best days."
            " | Automating contributions removes the temptation to wait for a better moment."
            " | None of this is financial advice; talk to a professional about your own situation.",
        ),
        _topic(
            "watercolor",
            "painting, sketching and art supplies",
            "Watercolor for beginners: the only five paints you need | Wet-on-wet skies that do not turn to mud"
            " | Stretching paper so it stays flat | Painting loose florals in watercolor"
            " | Choosing brushes without spending a fortune | Mixing greens for landscape painting",
            "the palette | cold-pressed paper | a round brush | the wash | granulating pigments | masking fluid"
            " | the water jar | ultramarine blue | burnt sienna | the glaze | a flat wash | the painter's tape"
            " | the highlights | the sketchbook",
            "wet the paper evenly | lift the colour with a damp brush | let each layer dry completely"
            " | mix more paint than you think you need | tilt the board slightly | test the colour on scrap paper"
            " | tape the edges down | work from light to dark",
            "luminous | muddy | loose | transparent | granular | vibrant",
            "Cheap paper is the most common reason a beginner's washes look blotchy."
            " | Ultramarine and burnt sienna mix into a range of greys that beats any tube."
            " | Leaving the white of the paper is the only way to get a true highlight."
            " | A single large round brush can do almost everything a set of ten can."
            " | Watercolor dries lighter than it looks when wet, so go bolder than feels comfortable."
            " | Two water jars, one for rinsing and one for clean water, keep colours fresh.",
        ),
        _topic(
            "running",
            "running, training and racing",
            "My first marathon: a sixteen-week training plan | Easy runs should feel embarrassingly slow"
            " | Fuelling during long runs without stomach trouble | Tapering: why the last weeks feel so strange"
            " | Strength training for runners who hate the gym | How I recovered from shin splints",
            "the long run | easy pace | the taper | energy gels | heart rate zones | tempo runs | cadence"
            " | recovery days | the training plan | running shoes | race day | interval sessions | hydration"
            " | the foam roller",
            "run the long run slower | practice fuelling in training | increase mileage by ten percent a week"
            " | take a rest day seriously | do strides after easy runs | replace shoes every 700 kilometres"
            " | sleep eight hours | stretch the calves",
            "easy | steady | sore | consistent | ambitious | sustainable",
            "Most of the fitness gains come from easy miles, not the hard sessions."
            " | A gel every forty minutes kept me from hitting the wall at kilometre thirty."
            " | The taper feels like losing fitness, but the legs are actually repairing."
            " | Two short strength sessions a week did more for my knees than any brace."
            " | Race pace should feel controlled for the first half, or it will not feel controlled at all."
            " | New shoes on race day is a mistake everybody makes exactly once.",
        ),
        _topic(
            "solar",
            "home energy and solar power",
            "Our first year with rooftop solar: the real numbers | Sizing a home battery for evening usage"
            " | Microinverters versus string inverters | Reading your solar monitoring app"
            " | Cleaning panels: worth it or not? | Net metering changes and what they mean",
            "the inverter | the home battery | net metering | peak sun hours | the monitoring app"
            " | panel efficiency | the feed-in tariff | the roof orientation | shading | microinverters"
            " | the electricity bill | kilowatt-hours | the installer | the warranty",
            "check the monitoring app weekly | shift laundry to midday | get three installer quotes"
            " | trim the overhanging branches | read the warranty terms | compare tariffs every year"
            " | size the battery for evenings | log the meter readings",
            "sunny | overcast | efficient | expensive | shaded | worthwhile",
            "Our system produced about twelve percent less than the installer's estimate in the first year."
            " | A battery sized for the evening peak pays back faster than one sized for full independence."
            " | Panels facing west produce less in total but more when electricity is most expensive."
            " | Rain does most of the cleaning, except under bird-heavy trees."
            " | The monitoring app caught a failed optimiser weeks before we would have noticed."
            " | Feed-in tariffs keep falling, so using your own power matters more each year.",
        ),
        _topic(
            "coffee",
            "coffee brewing at home",
            "Dialing in espresso on a budget grinder | Pour-over ratios that forgive mistakes"
            " | Why fresh beans matter more than the machine | Water chemistry for better coffee at home"
            " | Cold brew concentrate: a weekend method | Cleaning your espresso machine properly",
            "the grinder | the grind size | the brew ratio | the portafilter | extraction | the crema"
            " | the roast date | water hardness | the pour-over cone | the bloom | a gooseneck kettle"
            " | tamping pressure | the burrs | descaling",
            "weigh the dose every time | adjust the grind one step at a time | let the coffee bloom for thirty seconds"
            " | use filtered water | backflush the group head weekly | buy beans roasted within a month"
            " | preheat the cup | taste before changing anything",
            "sour | bitter | balanced | bright | muddy | sweet",
            "Sour espresso usually means under-extraction: grind finer before changing anything else."
            " | A one-to-sixteen ratio is a forgiving starting point for pour-over."
            " | Beans taste best between one and four weeks after the roast date."
            " | Very soft water extracts poorly, and very hard water scales the machine."
            " | A cheap scale improves consistency more than an expensive tamper."
            " | Descaling every three months keeps the boiler healthy in a hard-water area.",
        ),
        _topic(
            "packaging",
            "Python tooling and packaging",
            "Packaging a Python library with pyproject.toml | Why your wheel is missing data files"
            " | Version pinning for applications versus libraries | Publishing to PyPI with trusted publishing"
            " | Editable installs and what changed with PEP 660 | Namespace packages without tears",
            "pyproject.toml | the build backend | the wheel | the source distribution | entry points"
            " | version specifiers | the lock file | the virtual environment | package data | the build frontend"
            " | dependency groups | the import path | trusted publishing | the test matrix",
            "build the wheel locally | inspect the wheel's contents | pin dependencies in the application only"
            " | run the tests against the installed package | declare package data explicitly | publish from CI"
            " | bump the version in one place | create a fresh virtual environment",
            "reproducible | broken | minimal | portable | outdated | explicit",
            "Testing against the installed wheel instead of the source tree catches missing files early."
            " | Libraries should declare ranges; applications should lock exact versions."
            " | The build backend decides what goes into the wheel, not habits from ten years ago."
            " | A src layout keeps the tests from importing the package from the working directory by accident."
            " | Trusted publishing removes long-lived API tokens from CI entirely."
            " | Listing the wheel's contents is the fastest packaging debugger there is.",
        ),
        _topic(
            "plants",
            "houseplants and small gardens",
            "Why my fiddle leaf fig kept dropping leaves | Watering houseplants: a schedule that is not a schedule"
            " | Repotting without killing the plant | Low-light plants that actually survive"
            " | Dealing with fungus gnats for good | Propagating pothos in water",
            "the potting mix | the drainage holes | root rot | indirect light | the humidity | fungus gnats"
            " | the root ball | a moisture meter | the terracotta pot | new growth | the leaf node | fertiliser"
            " | the grow light | the drip tray",
            "water only when the top soil is dry | repot in spring | move it closer to the window"
            " | let the water drain completely | cut just below a node | wipe the leaves | add perlite to the mix"
            " | quarantine new plants",
            "leggy | thriving | droopy | root-bound | variegated | resilient",
            "More houseplants die from overwatering than from neglect."
            " | Terracotta dries out faster, which is exactly what a heavy-handed waterer needs."
            " | Yellow lower leaves are normal; yellow new growth is a warning."
            " | Fungus gnats breed in wet topsoil, so drying it out breaks their cycle."
            " | Most plants sold as low light are medium light plants that tolerate dim rooms."
            " | Pothos cuttings root in a glass of water within three weeks.",
        ),
        _topic(
            "hiking",
            "hiking and lightweight backpacking",
            "My lightweight backpacking kit list | Choosing a sleeping pad by R-value | Water filtration on the trail"
            " | Planning a first overnight hike | Layering for shoulder-season trips | Leave No Trace in practice",
            "the base weight | the sleeping pad | the water filter | the rain shell | trail runners | the quilt"
            " | the bear canister | the stove | the map and compass | the first-aid kit | insulation layers"
            " | the tent stakes | the trailhead | the campsite",
            "weigh every item | pack the heavy items close to your back | filter all stream water"
            " | check the forecast twice | camp on durable surfaces | carry a paper map | test the stove at home"
            " | tell someone your route",
            "ultralight | waterproof | cold | exposed | comfortable | rugged",
            "The three biggest items, pack, shelter and sleep system, decide most of your base weight."
            " | An R-value below three is fine in summer and miserable in October."
            " | Trail runners dry faster than boots, which matters more than ankle support for most people."
            " | A paper map never runs out of battery."
            " | Camp at least sixty metres from lakes and streams."
            " | Cold nights are usually about the pad, not the sleeping bag.",
        ),
        _topic(
            "keyboards",
            "mechanical keyboards and desk setups",
            "Building my first mechanical keyboard | Linear, tactile or clicky: picking switches"
            " | Lubing switches: is it worth the hours? | Keycap profiles explained | Programming layers with QMK"
            " | Why I switched to a 65 percent layout",
            "the switches | the keycaps | the PCB | the stabilisers | the plate | the firmware | the layout"
            " | the hot-swap sockets | the case foam | the lube | the spacebar | the USB-C port"
            " | the actuation force | the keycap profile",
            "lube the stabilisers | flash the firmware | test every switch before soldering"
            " | clip the stabiliser legs | add case foam | remap caps lock | swap the keycaps"
            " | tune the debounce time",
            "tactile | smooth | rattly | deep-sounding | compact | programmable",
            "Rattly stabilisers ruin a keyboard faster than any switch choice."
            " | Hot-swap sockets let you try switches without touching a soldering iron."
            " | Layers make a small layout usable once muscle memory catches up."
            " | Lubing seventy switches takes a whole evening, and the difference is real but small."
            " | Lower keycap profiles are easier on the wrists than tall sculpted ones."
            " | Always test the PCB before you assemble the plate.",
        ),
        _topic(
            "postgres",
            "databases and backend performance",
            "Finding slow queries with pg_stat_statements | Why PostgreSQL ignored my index"
            " | Vacuum, bloat and autovacuum tuning | Connection pooling with PgBouncer"
            " | Partitioning a table that grew too big | Reading EXPLAIN ANALYZE output",
            "the query planner | the index | autovacuum | table bloat | pg_stat_statements | connection pooling"
            " | the buffer cache | EXPLAIN ANALYZE | the WAL | sequential scans | partial indexes"
            " | the statistics target | the replica | lock contention",
            "run ANALYZE after bulk loads | add a partial index | raise the statistics target"
            " | check for long-running transactions | tune autovacuum per table | use a connection pooler"
            " | read the plan from the inside out | test on a copy of production data",
            "slow | bloated | selective | stale | concurrent | efficient",
            "The planner ignores an index when it estimates that most rows will match anyway."
            " | Long-running transactions hold back vacuum and let bloat grow unnoticed."
            " | pg_stat_statements shows which queries cost the most in total, not just which are slowest."
            " | Each connection costs memory, so a pooler is cheaper than a bigger server."
            " | Stale statistics after a bulk load lead to terrible plans until the next analyse."
            " | Estimates that are off by orders of magnitude are the first thing to look for in a plan.",
        ),
        _topic(
            "film",
            "analogue photography",
            "Shooting my first roll of black and white film | Developing film at home in a small bathroom"
            " | Metering without a built-in light meter | Choosing a first film camera"
            " | Scanning negatives with a digital camera | Pushing Tri-X to 1600",
            "the light meter | the negative | the developer | the fixer | the film speed | the exposure"
            " | the rangefinder | the grain | the scanner | the changing bag | the shutter speed | the aperture"
            " | the contact sheet | the film stock",
            "meter for the shadows | agitate gently every minute | keep the chemistry at twenty degrees"
            " | load the reel in the changing bag | hang the film to dry in the bathroom"
            " | scan at the highest resolution | push the film one stop | label every roll",
            "grainy | contrasty | underexposed | sharp | moody | forgiving",
            "Negative film forgives overexposure far more than underexposure."
            " | The sunny sixteen rule still works when a meter battery dies."
            " | Temperature matters more than timing precision when developing at home."
            " | Dust is the enemy of every scan, so the negatives stay in sleeves."
            " | Pushing film adds contrast and grain along with speed."
            " | A contact sheet is still the quickest way to choose what to print.",
        ),
        _topic(
            "garden",
            "growing vegetables in a small plot",
            "Raised beds for a small backyard | Growing tomatoes that do not split"
            " | Companion planting: what held up in my garden | Starting seeds indoors under lights"
            " | Composting without the smell | Planning a succession of salad greens",
            "the raised bed | the compost | the seed trays | the tomato plants | the mulch | crop rotation"
            " | the soil test | the watering schedule | companion plants | the frost dates | the trellis"
            " | the seedlings | the greenhouse | the slugs",
            "test the soil before planting | water deeply and less often | harden off the seedlings"
            " | mulch after the soil warms | rotate the beds every year | sow lettuce every two weeks"
            " | pinch out the side shoots | turn the compost",
            "productive | waterlogged | leggy | sunny | healthy | abundant",
            "Irregular watering is the main reason tomatoes split after rain."
            " | Seedlings grown without enough light stretch and fall over."
            " | A thick layer of mulch cuts watering by half in midsummer."
            " | Sowing a short row every two weeks keeps salad coming all season."
            " | Compost smells when it is too wet and has too little brown material."
            " | The last frost date is an average, so I wait another week to be safe.",
        ),
        # Spam that takes over hijacked or resold pages.
        _topic(
            "casino",
            "online casinos",
            "Best online casino bonuses this month | Top 10 slot sites with instant withdrawal"
            " | Claim 200 free spins today",
            "the welcome bonus | the free spins | the wagering requirements | the jackpot | the live dealer games"
            " | the slot catalogue | instant withdrawals | the VIP programme | the sportsbook | the deposit methods",
            "claim the bonus today | sign up in two minutes | compare the payout rates | deposit with crypto"
            " | spin the reels for free | check the wagering terms",
            "exclusive | generous | instant | licensed | huge | trusted",
            "New players get up to 500 euros and 200 free spins on their first deposit."
            " | Withdrawals are processed in under ten minutes at our top-rated sites."
            " | Play responsibly; gambling can be addictive."
            " | Our experts tested every casino on this list with real money.",
        ),
        _topic(
            "gummies",
            "wellness products",
            "Premium CBD gummies for sleep and stress | Where to buy the best CBD oil online",
            "the gummies | the full-spectrum oil | the dosage | the lab reports | the discount code"
            " | free shipping | the money-back guarantee | the hemp extract",
            "order today with free shipping | use the discount code at checkout | start with a low dose"
            " | read the lab reports",
            "natural | organic | premium | calming | potent",
            "These statements have not been evaluated by any health authority."
            " | Thousands of happy customers sleep better every night."
            " | Order now and save 40 percent on your first bottle.",
        ),
        _topic(
            "tokens",
            "crypto investing",
            "How to earn passive income with crypto staking | This new token could 100x next year",
            "the token | the staking rewards | the presale | the wallet | the market cap | the whitepaper"
            " | the liquidity pool | the airdrop",
            "connect your wallet | join the presale | stake your tokens | buy before the listing",
            "bullish | early | decentralised | explosive",
            "Early investors have already seen returns of over 300 percent."
            " | Not financial advice, always do your own research."
            " | The presale ends in 48 hours.",
        ),
        # Honest articles whose subject is what the detectors look for.
        _topic(
            "errors",
            "running web servers",
            'Fixing "404 Not Found" errors after moving a WordPress site | Custom 404 pages in nginx, the right way'
            " | Why your single-page app returns 404 on refresh",
            "the 404 page | the nginx config | the try_files directive | the rewrite rules | the .htaccess file"
            " | the permalinks | the error_page directive | the not-found handler | the server logs | broken links",
            "check the server logs | add a try_files fallback | flush the permalinks | return a real 404 status"
            " | set error_page 404 | test with curl -I",
            "missing | misconfigured | custom | soft | broken | correct",
            'A page that says "Page not found" but answers 200 is called a soft 404, and search engines dislike it.'
            " | After a migration, most 404 errors come from permalinks that were never flushed."
            " | The error_page directive should point at a page that keeps the real status code."
            ' | "Sorry, the page you are looking for could not be found" is the default message of many themes.'
            " | curl -I shows the status code without downloading the page.",
        ),
        _topic(
            "domains",
            "domain names and the web",
            "What I learned buying an expired domain at auction | Is this domain for sale? Contacting an owner"
            " | Domain parking: how parked pages make money",
            "the domain auction | the expired domain | the registrar | the parked page | the asking price"
            " | the escrow service | the WHOIS record | the backorder | the domain brokers | the renewal fee"
            " | the transfer lock",
            "check the WHOIS record | use an escrow service | place a backorder | make an offer"
            " | check the domain's history | transfer to your own registrar",
            "premium | expired | parked | overpriced | available | brandable",
            'Parked pages full of "related searches" earn the owner a few cents per click.'
            ' | "This domain is for sale" pages rarely show the real price until you make an offer.'
            " | An expired domain keeps its backlinks, which is why spammers buy them."
            " | Always pay through escrow rather than wiring money to a stranger."
            " | The renewal fee matters more than the purchase price over ten years.",
        ),
    )
}
REGULAR = tuple(k for k in TOPICS if k not in ("casino", "gummies", "tokens", "errors", "domains"))
SPAM = ("casino", "gummies", "tokens")

PERIODS = ("a weekend", "a month", "two months", "most of a year", "three weeks", "a long winter")
UNITS = ("week", "month", "season", "year")
FRAMES = (
    "Most guides on {n} skip the part about {n2}, which is where things usually go wrong.",
    "I spent {t} getting {n} right, and {n2} turned out to matter more than I expected.",
    "If you only remember one thing, make it this: {n} depends on {n2}.",
    "The short version is that {n} gets {a} once {n2} is handled first.",
    "A common mistake is to ignore {n} and {act} anyway.",
    "Here is what worked for me: {act}, then {act2}.",
    "{n} and {n2} are related, but they are not the same thing.",
    "You will want to {act} at least once a {u}.",
    "There is no single right answer for {n}; it depends on {n2} and on your budget.",
    "After a few weeks, {n} became noticeably more {a}.",
    "Several readers asked about {n}, so this section covers it in more detail.",
    "The official documentation describes {n} in one paragraph, which is not nearly enough.",
    "When {n} misbehaves, the first suspect is usually {n2}.",
    "It is tempting to {act} straight away, but settle {n} first.",
    "In my experience, a {a} approach to {n} beats an expensive one every time.",
    "Write down how you handle {n} before you start; you will need it later.",
    "{n} sounds intimidating, but the idea behind it is simple.",
    "Keep an eye on {n}, especially in the first {u} or two.",
    "Not everyone agrees, and some people prefer to {act} instead.",
    "Once {n} is in place, it becomes much easier to {act}.",
    "That is also why {n} tends to look {a} in practice.",
    "Skipping {n} saves time today and costs twice as much next {u}.",
    "For beginners, I would start with {n} and leave {n2} for later.",
    "The difference between {n} and {n2} is easy to miss at first.",
    "My notes from {t} say the same thing: {act} and be patient.",
    "I used to {act} every time, and now I only do it when {n} looks {a}.",
    "Friends who tried this reported the same: {n} matters, {n2} less so.",
    "None of this is complicated, but {n} rewards a little attention.",
    "A quick way to check {n} is to {act} and compare the results.",
    "The photos below show {n} before and after I decided to {act}.",
)
HEADINGS = (
    "Background", "What I tried first", "The setup", "What worked", "Common mistakes", "A few caveats",
    "Going further", "Lessons learned", "The numbers", "Why it matters", "Step by step",
    "What I would do differently", "Questions from readers", "Before you start",
)  # fmt: skip
NAME_A = (
    "Northwind", "Copper", "Quiet", "Little", "Field", "Harbor", "Maple", "Slow", "Bright", "Hidden", "Second",
    "Open", "Paper", "Morning", "Wild", "Steady", "Blue", "Cedar", "Salt", "Iron", "Lantern", "Orchard",
)  # fmt: skip
NAME_B = (
    "Notes", "Journal", "Kitchen", "Lab", "Workshop", "Log", "Digest", "Dispatch", "Garden", "Press", "Almanac",
    "Weekly", "Ledger", "Corner", "Review", "Chronicle", "Handbook", "Gazette", "Quarterly", "Studio",
)  # fmt: skip
PEOPLE = (
    "Maya Lindqvist", "Tom Okafor", "Priya Raman", "Jonas Becker", "Ana Sousa", "Lee Morgan", "Sam Whitfield",
    "Noor Haddad", "Ellen Park", "Diego Marin", "Ruth Abernathy", "Kenji Ito", "Fatima Zahra", "Oskar Nilsson",
)  # fmt: skip
COMMENTERS = ("jm", "Claire", "bikeguy77", "R. Patel", "anon", "Hannah", "dev_null", "Marco", "kate_w", "Steve")
COMMENT_FRAMES = (
    "Thanks, this was exactly what I needed.", "Great write-up! Did you ever try to {act}?",
    "I had the same problem with {n} last {u}.", "Bookmarked. The part about {n} saved me an afternoon.",
    "Small correction: {n} is not always {a}, in my experience.", "Any update on this? Curious how {n} held up.",
    "We do it differently at work, but {n} is definitely the key.", "This deserves more readers.",
)  # fmt: skip
AD_COPY = (
    "Save 30% on noise-cancelling headphones this week", "Compare car insurance quotes in two minutes",
    "The mattress 40,000 reviewers love", "Learn Spanish in 15 minutes a day", "Meal kits from 3.99 per serving",
    "Low-fee business banking for freelancers", "Upgrade your home Wi-Fi with a mesh router",
    "Flights to Lisbon from 49 EUR", "The laptop stand your neck will thank you for",
    "Free shipping on running shoes over 80 USD", "Cloud hosting with a free first month",
    "Hearing aids at half the usual price", "Sell your car today, get paid tomorrow", "Smart thermostats on sale",
)  # fmt: skip


def _rng(*parts: object) -> random.Random:
    """A generator seeded by the parts' text: the same on every machine and in every run."""
    return random.Random(":".join(str(p) for p in parts))


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _sentence(topic: Topic, r: random.Random) -> str:
    if topic.lines and r.random() < 0.3:
        return r.choice(topic.lines)
    n, n2 = r.sample(topic.nouns, 2)
    act, act2 = r.sample(topic.acts, 2)
    frame = r.choice(FRAMES)
    return _cap(
        frame.format(n=n, n2=n2, a=r.choice(topic.adjs), act=act, act2=act2, t=r.choice(PERIODS), u=r.choice(UNITS))
    )


@dataclass(frozen=True)
class Article:
    title: str
    topic: str
    author: str
    published: date
    sections: tuple[tuple[str, tuple[tuple[str, ...], ...]], ...]  # (heading, paragraphs of sentences)
    tags: tuple[str, ...]

    @property
    def sentences(self) -> list[str]:
        return [s for _, paragraphs in self.sections for p in paragraphs for s in p]

    @property
    def excerpt(self) -> str:
        return " ".join(self.sentences[:2])


def make_article(topic_key: str, r: random.Random, title: str, author: str, published: date) -> Article:
    topic = TOPICS[topic_key]
    heads = list(HEADINGS) + [f"A note on {n}" for n in topic.nouns[:4]]
    r.shuffle(heads)
    sections = []
    seen: set[str] = set()
    for s in range(r.randint(3, 5)):
        paragraphs = []
        for _ in range(r.randint(2, 3)):
            sentences = []
            for _ in range(r.randint(3, 5)):
                sentence = _sentence(topic, r)
                for _ in range(4):  # a few tries to avoid repeating a sentence
                    if sentence not in seen:
                        break
                    sentence = _sentence(topic, r)
                seen.add(sentence)
                sentences.append(sentence)
            paragraphs.append(tuple(sentences))
        sections.append(("" if s == 0 else heads[s], tuple(paragraphs)))
    tags = tuple(r.sample([n.removeprefix("the ").removeprefix("a ") for n in topic.nouns], 3))
    return Article(title, topic_key, author, published, tuple(sections), tags)


def edited(article: Article, r: random.Random, share: float = 0.2) -> Article:
    """The same article with ``share`` of its sentences rewritten (same topic, same title)."""
    topic = TOPICS[article.topic]
    total = len(article.sentences)
    chosen = set(r.sample(range(total), max(1, round(total * share))))
    index = 0
    sections = []
    for heading, paragraphs in article.sections:
        new_paragraphs = []
        for paragraph in paragraphs:
            sentences = []
            for sentence in paragraph:
                if index in chosen:
                    replacement = _sentence(topic, r)
                    for _ in range(6):
                        if replacement != sentence:
                            break
                        replacement = _sentence(topic, r)
                    sentence = replacement
                sentences.append(sentence)
                index += 1
            new_paragraphs.append(tuple(sentences))
        sections.append((heading, tuple(new_paragraphs)))
    return replace(article, sections=tuple(sections))


def slugify(title: str, limit: int = 60) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")
    return slug[:limit].rstrip("-")


# ---------------------------------------------------------------------------------------------
# Pages: six site themes (a WordPress-like blog, a Ghost-like blog, a docs site, a news site, a
# university-style CMS, an old Blogger-like blog) around articles, listings, not-found messages
# and sign-in forms; single-page-app shells; parking pages.
# ---------------------------------------------------------------------------------------------


def esc(text: str) -> str:
    return html.escape(text, quote=True)


def _long(d: date) -> str:
    return f"{d.strftime('%B')} {d.day}, {d.year}"


def _dmy(d: date) -> str:
    return f"{d.day} {d.strftime('%B')} {d.year}"


@dataclass(frozen=True)
class SiteInfo:
    host: str
    base: str  # http://host:port
    name: str
    tagline: str
    theme: str
    scheme: str  # how article paths are spelled
    section: str  # the section index's path
    title_format: str  # "{title} | {site}"; "{site}" when every page is titled alike
    author: str
    topic: str
    nav: tuple[str, ...]
    assets: str  # base URL of the static-asset host
    ads: str  # base URL of the ad host

    def title(self, text: str) -> str:
        return self.title_format.format(title=esc(text), site=esc(self.name))


@dataclass(frozen=True)
class Dyn:
    """What changes on a page without changing what it is: dates, counters, sidebars, ads."""

    today: date
    updated: date | None
    views: int
    shares: int
    comments: tuple[tuple[str, str, date], ...]
    picks: tuple[tuple[str, str], ...]  # (title, path) in sidebars and "read next" boxes
    ads: tuple[str, ...]


def _css(r: random.Random, rules: int) -> str:
    names = (
        "wrap", "card", "meta", "btn", "grid", "hero", "nav", "menu", "title", "post", "tags", "foot", "side",
        "widget", "thumb", "badge", "list", "item", "row", "col", "share", "byline", "lede", "promo",
    )  # fmt: skip
    props = (
        "margin:0", "padding:.5rem 1rem", "display:flex", "display:grid", "gap:1.25rem", "color:#1f2328",
        "color:#5c6370", "font-size:.875rem", "font-weight:600", "line-height:1.6", "border:1px solid #e5e7eb",
        "border-radius:6px", "background:#fff", "background:#f6f8fa", "max-width:72ch", "text-decoration:none",
        "align-items:center", "justify-content:space-between", "letter-spacing:.02em", "text-transform:uppercase",
        "box-shadow:0 1px 2px rgba(0,0,0,.06)", "overflow:hidden", "position:relative", "width:100%",
    )  # fmt: skip
    out = []
    for _ in range(rules):
        selector = "." + "-".join(r.sample(names, 2))
        if r.random() < 0.3:
            selector += " " + r.choice(("a", "p", "li", "h2", "img", "span"))
        out.append(selector + "{" + ";".join(r.sample(props, r.randint(2, 5))) + "}")
    return "\n".join(out)


def _analytics(info: SiteInfo) -> str:
    site_id = _rng(info.host, "analytics").randrange(1000, 99999)
    return (
        f"var _stq=window._stq||[];_stq.push(['setSiteId',{site_id}]);(function(){{var s=document.createElement"
        f"('script');s.async=true;s.src='{info.assets}/stats/{site_id}.js';document.head.appendChild(s)}})();"
    )


def _config_blob(info: SiteInfo) -> str:
    r = _rng(info.host, "config")
    data = {
        "site": info.name,
        "env": "production",
        "build": f"{r.getrandbits(40):010x}",
        "features": {f"exp_{i:03d}": r.random() < 0.5 for i in range(150)},
        "sections": [slugify(x) for x in info.nav],
        "adUnits": [
            {"id": f"/21{r.randrange(100, 999)}/{info.host}/{k}", "sizes": [[300, 250], [728, 90], [320, 50]]}
            for k in range(40)
        ],
    }
    return json.dumps(data, separators=(",", ":"))


def _nav(info: SiteInfo, item: str = '<li><a href="/{slug}/">{text}</a></li>') -> str:
    return "".join(item.format(slug=slugify(x), text=esc(x)) for x in info.nav)


def _ad(info: SiteInfo, copy: str, slot: str) -> str:
    target = f"{info.ads}/click?slot={slot}&amp;c={slugify(copy)[:24]}"
    return (
        f'<div class="ad-slot" data-slot="{slot}"><span class="ad-label">Advertisement</span>'
        f'<a href="{target}" rel="sponsored nofollow">{esc(copy)}</a></div>'
    )


def _page(info: SiteInfo, title: str, main: str, aside: str, today: date, head: str = "", kind: str = "post") -> str:
    """A whole page of ``info``'s theme around ``main`` (and ``aside``, where the theme has one)."""
    r = _rng(info.host, "chrome")
    css = _css(r, r.randint(40, 140))
    name = esc(info.name)
    if info.theme == "press":
        theme = r.choice(("astra", "generatepress", "kadence", "neve", "hello-child"))
        return f"""<!DOCTYPE html>
<html lang="en-US">
<head>
<meta charset="UTF-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<meta name='robots' content='max-image-preview:large' />
<link rel="alternate" type="application/rss+xml" title="{name} &raquo; Feed" href="/feed/" />
<link rel='stylesheet' id='{theme}-css' href='{info.assets}/wp-content/themes/{theme}/style.css?ver=6.4.3' />
<style id='{theme}-inline-css'>
{css}
</style>
{head}
<script>{_analytics(info)}</script>
</head>
<body class="{kind} wp-theme-{theme}">
<div id="page" class="site">
<a class="skip-link screen-reader-text" href="#content">Skip to content</a>
<header id="masthead" class="site-header"><div class="site-branding">
<p class="site-title"><a href="/" rel="home">{name}</a></p><p class="site-description">{esc(info.tagline)}</p></div>
<nav id="site-navigation" class="main-navigation"><button class="menu-toggle" aria-expanded="false">Menu</button>
<ul id="primary-menu" class="menu">{_nav(info)}</ul></nav></header>
<div id="content" class="site-content"><div id="primary" class="content-area"><main id="main" class="site-main">
{main}
</main></div>
<aside id="secondary" class="widget-area">
{aside}
</aside></div>
<footer id="colophon" class="site-footer"><div class="site-info">&copy; {today.year} {name}
&middot; Proudly powered by WordPress &middot; Theme: {theme}</div></footer>
</div>
<script src='{info.assets}/wp-includes/js/jquery/jquery.min.js?ver=3.7.1' id='jquery-core-js'></script>
<script src='{info.assets}/wp-content/themes/{theme}/js/navigation.js?ver=1.2'></script>
</body>
</html>
"""
    if info.theme == "ghost":
        return f"""<!DOCTYPE html>
<html lang="en">
<head>
    <meta charset="utf-8">
    <meta http-equiv="X-UA-Compatible" content="IE=edge">
    <title>{title}</title>
    <meta name="HandheldFriendly" content="True" />
    <meta name="viewport" content="width=device-width, initial-scale=1.0" />
    <link rel="stylesheet" type="text/css" href="/assets/built/screen.css?v=8c1e2b4d0f" />
    <meta property="og:site_name" content="{name}" />
    <meta name="generator" content="Ghost 5.79" />
    {head}
    <style>
{css}
    </style>
</head>
<body class="{kind}-template is-head-left-logo">
<div class="gh-viewport">
    <header id="gh-navigation" class="gh-navigation"><div class="gh-navigation-inner gh-inner">
        <a class="gh-navigation-logo" href="/">{name}</a>
        <nav class="gh-navigation-menu"><ul class="nav">{_nav(info)}</ul></nav>
        <div class="gh-navigation-actions"><button class="gh-search" data-ghost-search>Search</button>
        <a href="#/portal/signin" data-portal="signin">Sign in</a>
        <a class="gh-button" href="#/portal/signup" data-portal="signup">Subscribe</a></div>
    </div></header>
    <main class="gh-main">
{main}
    </main>
{aside}
    <footer class="gh-footer"><div class="gh-footer-inner gh-inner">
        <div class="gh-footer-bar"><span class="gh-footer-logo">{name}</span>
        <nav class="gh-footer-menu"><ul class="nav"><li><a href="/about/">About</a></li>
        <li><a href="/privacy/">Privacy</a></li><li><a href="/rss/">RSS</a></li></ul></nav>
        <div class="gh-footer-copyright">Powered by Ghost</div></div>
        <section class="gh-footer-signup"><h2 class="gh-footer-signup-header">{name}</h2>
        <p class="gh-footer-signup-subhead">{esc(info.tagline)}</p>
        <form data-members-form><input type="email" placeholder="jamie@example.com" required>
        <button type="submit">Subscribe</button></form></section>
    </div></footer>
</div>
<script src="/assets/built/source.js?v=8c1e2b4d0f"></script>
</body>
</html>
"""
    if info.theme == "docs":
        return f"""<!doctype html>
<html lang="en" dir="ltr" class="docs-wrapper plugin-docs">
<head>
<meta charset="UTF-8">
<meta name="generator" content="Docusaurus v3.1.1">
<title data-rh="true">{title}</title>
<meta data-rh="true" name="viewport" content="width=device-width,initial-scale=1">
<link rel="stylesheet" href="/assets/css/styles.4f1a9c2e.css">
<style>
{css}
</style>
{head}
<script src="/assets/js/runtime~main.7d3e12aa.js" defer="defer"></script>
<script src="/assets/js/main.b5c0e1f3.js" defer="defer"></script>
</head>
<body class="navigation-with-keyboard">
<div id="__docusaurus"><div role="region" aria-label="Skip to main content">
<a class="skipToContent" href="#__docusaurus_skipToContent_fallback">Skip to main content</a></div>
<nav aria-label="Main" class="navbar navbar--fixed-top"><div class="navbar__inner"><div class="navbar__items">
<a class="navbar__brand" href="/"><b class="navbar__title text--truncate">{name}</b></a>
{_nav(info, '<a class="navbar__item navbar__link" href="/{slug}/">{text}</a>')}</div>
<div class="navbar__items navbar__items--right"><a href="{info.assets}/repo" class="navbar__item">GitHub</a>
<div class="navbarSearchContainer"><input type="search" placeholder="Search" aria-label="Search"></div>
</div></div></nav>
<div id="__docusaurus_skipToContent_fallback" class="main-wrapper mainWrapper"><div class="docsWrapper">
<div class="docRoot"><aside class="theme-doc-sidebar-container docSidebarContainer">
{aside}
</aside><main class="docMainContainer"><div class="container padding-top--md padding-bottom--lg">
{main}
</div></main></div></div></div>
<footer class="footer footer--dark"><div class="container container-fluid"><div class="footer__links">
<a class="footer__link-item" href="/docs/">Docs</a> <a class="footer__link-item" href="/blog/">Blog</a>
<a class="footer__link-item" href="/community/">Community</a></div>
<div class="footer__copyright">Copyright &copy; {today.year} {name}. Built with Docusaurus.</div></div></footer>
</div>
</body>
</html>
"""
    if info.theme == "news":
        sections = _nav(info, '<li class="nav__item"><a class="nav__link" href="/{slug}/">{text}</a></li>')
        return f"""<!DOCTYPE html>
<html lang="en" class="no-js">
<head>
<meta charset="utf-8">
<title>{title}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="theme-color" content="#b00020">
{head}
<script id="__APP_CONFIG__" type="application/json">{_config_blob(info)}</script>
<script>document.documentElement.className=document.documentElement.className.replace('no-js','js');</script>
<style>
{css}
</style>
<script async src="{info.ads}/tag/js/gpt.js"></script>
</head>
<body class="{kind}">
<div class="topbar"><span class="topbar__date">{today.strftime("%A")}, {_long(today)}</span>
<a class="topbar__link" href="/subscribe/">Subscribe</a> <a class="topbar__link" href="/account/">My account</a></div>
<header class="masthead"><a class="masthead__logo" href="/">{name}</a><p class="masthead__tag">{esc(info.tagline)}</p>
<nav class="nav" aria-label="Sections"><ul class="nav__list">{sections}</ul></nav></header>
<div class="leaderboard">{_ad(info, AD_COPY[len(info.name) % len(AD_COPY)], "leaderboard")}</div>
<div class="layout"><main class="layout__main" id="main">
{main}
</main>
<aside class="layout__rail">
{aside}
</aside></div>
<footer class="site-footer"><ul class="site-footer__links"><li><a href="/about/">About us</a></li>
<li><a href="/contact/">Contact</a></li><li><a href="/corrections/">Corrections</a></li>
<li><a href="/advertise/">Advertise</a></li><li><a href="/privacy/">Privacy notice</a></li>
<li><a href="/cookies/">Cookie settings</a></li><li><a href="/terms/">Terms of use</a></li></ul>
<p class="site-footer__legal">&copy; {today.year} {name} Media Group. All rights reserved.</p></footer>
<script src="{info.assets}/news/bundle.3e9f0a.js" defer></script>
</body>
</html>
"""
    if info.theme == "campus":
        return f"""<!DOCTYPE html>
<html lang="en" dir="ltr">
<head>
<meta charset="utf-8" />
<meta name="Generator" content="Drupal 10 (https://www.drupal.org)" />
<meta name="MobileOptimized" content="width" />
<meta name="viewport" content="width=device-width, initial-scale=1.0" />
<title>{title}</title>
<link rel="stylesheet" media="all" href="/sites/default/files/css/css_Qx3P0f.css" />
<style>
{css}
</style>
{head}
</head>
<body class="path-{kind}">
<a href="#main-content" class="visually-hidden focusable skip-link">Skip to main content</a>
<div class="dialog-off-canvas-main-canvas" data-off-canvas-main-canvas>
<div class="layout-container">
<header role="banner"><div class="region region-header"><a href="/" rel="home" class="site-logo">{name}</a>
<div class="site-slogan">{esc(info.tagline)}</div></div>
<div class="region region-primary-menu"><nav role="navigation" id="block-mainnavigation"><ul class="menu">
{_nav(info, '<li class="menu-item"><a href="/{slug}">{text}</a></li>')}</ul></nav></div></header>
<main role="main"><a id="main-content" tabindex="-1"></a><div class="layout-content">
<div class="region region-content"><div id="block-content" class="block block-system block-system-main-block">
{main}
</div></div></div>
<aside class="layout-sidebar-second" role="complementary">
{aside}
</aside></main>
<footer role="contentinfo"><div class="region region-footer"><p>{name} &middot; 1200 College Avenue
&middot; Phone (555) 010-0199</p><p class="last-modified">Page last reviewed: {_dmy(today)}</p></div></footer>
</div></div>
<script src="/core/assets/vendor/once/once.min.js?v=1.0.1"></script>
</body>
</html>
"""
    # blogspot: an old blog on a hosted platform
    return f"""<!DOCTYPE html>
<html class='v2' dir='ltr' lang='en'>
<head>
<meta content='width=1100' name='viewport'/>
<meta content='text/html; charset=UTF-8' http-equiv='Content-Type'/>
<meta content='blogger' name='generator'/>
<title>{title}</title>
<style id='page-skin-1' type='text/css'><!--
{css}
--></style>
{head}
</head>
<body class='loading variant-simplysimple'>
<div class='content'><div class='content-outer'><div class='content-inner'>
<header><div class='header-outer'><div class='header section' id='header'><div class='widget Header' id='Header1'>
<div id='header-inner'><div class='titlewrapper'><h1 class='title'><a href='/'>{name}</a></h1></div>
<div class='descriptionwrapper'><p class='description'><span>{esc(info.tagline)}</span></p></div></div></div></div>
</div></header>
<div class='main-outer'><div class='main-inner columns-2'><div class='column-center-outer'>
<div class='main section' id='main'><div class='widget Blog' id='Blog1'><div class='blog-posts hfeed'>
{main}
</div></div></div></div>
<div class='column-right-outer'><div class='sidebar section' id='sidebar-right-1'>
{aside}
</div></div></div></div>
<footer><div class='footer-outer'><div class='widget Attribution' id='Attribution1'>
Simple theme. Powered by <a href='{info.assets}/blogger'>Blogger</a>.</div></div></footer>
</div></div></div>
<script type='text/javascript' src='{info.assets}/static/v1/widgets/2975315906-widgets.js'></script>
</body>
</html>
"""


def _paragraphs(article: Article) -> str:
    out = []
    for heading, paragraphs in article.sections:
        if heading:
            out.append(f"<h2>{esc(heading)}</h2>")
        out.extend("<p>" + esc(" ".join(p)) + "</p>" for p in paragraphs)
    return "\n".join(out)


def _comments(dyn: Dyn, heading: str) -> str:
    if not dyn.comments:
        return ""
    items = "".join(
        f'<li class="comment"><div class="comment-author"><b class="fn">{esc(who)}</b></div>'
        f'<div class="comment-metadata"><time datetime="{when.isoformat()}">{_long(when)}</time></div>'
        f'<div class="comment-content"><p>{esc(text)}</p></div></li>\n'
        for who, text, when in dyn.comments
    )
    return (
        f'<section id="comments" class="comments-area"><h2 class="comments-title">{heading}</h2>\n'
        f"<ol>{items}</ol></section>"
    )


def _picks(dyn: Dyn, limit: int = 5) -> str:
    return "".join(f'<li><a href="{path}">{esc(title)}</a></li>' for title, path in dyn.picks[:limit])


def article_main(info: SiteInfo, art: Article, dyn: Dyn) -> str:
    title, body, pub = esc(art.title), _paragraphs(art), art.published
    updated = (
        f'<time class="updated" datetime="{dyn.updated.isoformat()}">{_long(dyn.updated)}</time>' if dyn.updated else ""
    )
    author = esc(art.author)
    tags = "".join(f'<a href="/tag/{slugify(t)}/" rel="tag">{esc(t)}</a> ' for t in art.tags)
    count = len(dyn.comments)
    if info.theme == "press":
        return f"""<article class="post type-post status-publish format-standard hentry">
<header class="entry-header"><h1 class="entry-title">{title}</h1>
<div class="entry-meta"><span class="posted-on">Posted on <time class="entry-date published"
datetime="{pub.isoformat()}">{_long(pub)}</time>{" &middot; Last updated " + updated if updated else ""}</span>
<span class="byline"> by <span class="author vcard"><a class="url fn n"
href="/author/{slugify(art.author)}/">{author}</a></span></span>
<span class="post-views">{dyn.views:,} views</span></div></header>
<div class="entry-content">
{body}
</div>
<footer class="entry-footer"><span class="tags-links">Tagged {tags}</span>
<span class="comments-link"><a href="#comments">{count} Comments</a></span></footer>
</article>
{_comments(dyn, f"{count} thoughts on &ldquo;{title}&rdquo;")}"""
    if info.theme == "ghost":
        minutes = max(2, len(art.sentences) // 12)
        return f"""<article class="gh-article post">
<header class="gh-article-header gh-canvas">
<a class="gh-article-tag" href="/tag/{slugify(art.tags[0])}/">{esc(art.tags[0])}</a>
<h1 class="gh-article-title is-title">{title}</h1>
<p class="gh-article-excerpt is-body">{esc(art.excerpt)}</p>
<div class="gh-article-meta">
<div class="gh-article-author-name"><a href="/author/{slugify(art.author)}/">{author}</a></div>
<div class="gh-article-meta-content"><time class="gh-article-meta-date" datetime="{pub.isoformat()}">{_dmy(pub)}</time>
<span class="gh-article-meta-length"><span class="bull">&bull;</span> {minutes} min read</span>
{f'<span class="gh-article-meta-updated">Updated {updated}</span>' if updated else ""}
<span class="gh-article-meta-likes">{dyn.shares} likes</span></div></div></header>
<section class="gh-content gh-canvas is-body">
{body}
</section>
</article>"""
    if info.theme == "docs":
        crumbs = esc(info.nav[0]) if info.nav else "Docs"
        return f"""<div class="row"><div class="col docItemCol"><div class="docItemContainer"><article>
<nav class="theme-doc-breadcrumbs breadcrumbsContainer" aria-label="Breadcrumbs"><ul class="breadcrumbs">
<li class="breadcrumbs__item"><a class="breadcrumbs__link" href="/">Home</a></li>
<li class="breadcrumbs__item"><span class="breadcrumbs__link">{crumbs}</span></li>
<li class="breadcrumbs__item breadcrumbs__item--active"><span class="breadcrumbs__link">{title}</span></li></ul></nav>
<div class="theme-doc-markdown markdown"><header><h1>{title}</h1></header>
{body}
</div>
<footer class="theme-doc-footer docusaurus-mt-lg"><div class="row margin-top--sm theme-doc-footer-edit-meta-row">
<div class="col"><a href="{info.assets}/repo/edit/main/docs/{slugify(art.title)}.md"
class="theme-edit-this-page">Edit this page</a></div>
<div class="col lastUpdated"><span class="theme-last-updated">Last updated on
<b><time datetime="{(dyn.updated or pub).isoformat()}">
{_long(dyn.updated or pub)}</time></b> by <b>{author}</b></span></div></div></footer>
</article></div></div></div>"""
    if info.theme == "news":
        paragraphs = body.split("\n")
        if len(paragraphs) > 3 and dyn.picks:
            read_more = dyn.picks[0]
            paragraphs.insert(
                3, f'<p class="read-more"><b>Read more:</b> <a href="{read_more[1]}">{esc(read_more[0])}</a></p>'
            )
        return f"""<article class="story">
<p class="story__kicker"><a href="/{slugify(info.nav[0])}/">{esc(info.nav[0])}</a></p>
<h1 class="story__headline">{title}</h1>
<p class="story__standfirst">{esc(art.excerpt)}</p>
<div class="story__byline">By <a rel="author" href="/profile/{slugify(art.author)}">{author}</a>
<time datetime="{pub.isoformat()}">{_long(pub)}</time>{" &middot; Updated " + updated if updated else ""}</div>
<div class="story__share"><span class="share-count">{dyn.shares:,} shares</span>
<a href="#comments" class="comment-count">{count} comments</a></div>
<div class="story__body">
{chr(10).join(paragraphs)}
</div>
<div class="inline-ad">{_ad(info, dyn.ads[0], "in-article")}</div>
</article>
{_comments(dyn, f"Comments ({count})")}"""
    if info.theme == "campus":
        return f"""<nav class="breadcrumb" aria-labelledby="system-breadcrumb"><ol><li><a href="/">Home</a></li>
<li><a href="{info.section}">News</a></li><li>{title}</li></ol></nav>
<article class="node node--type-news-article node--view-mode-full">
<h1 class="page-title"><span class="field field--name-title">{title}</span></h1>
<div class="node__meta"><span class="field--name-created">Published {_dmy(pub)}</span>
{f'<span class="field--name-changed">Updated {_dmy(dyn.updated)}</span>' if dyn.updated else ""}</div>
<div class="clearfix text-formatted field field--name-body field--type-text-with-summary">
{body}
</div>
<div class="field field--name-field-contact"><h2>Media contact</h2><p>{author}, Office of Communications</p></div>
</article>"""
    return f"""<div class='date-outer'><h2 class='date-header'><span>{pub.strftime("%A")}, {_long(pub)}</span></h2>
<div class='date-posts'><div class='post-outer'><div class='post hentry' itemprop='blogPost'>
<h3 class='post-title entry-title' itemprop='name'>{title}</h3>
<div class='post-header'></div>
<div class='post-body entry-content' itemprop='description articleBody'>
{body}
</div>
<div class='post-footer'><div class='post-footer-line post-footer-line-1'>
<span class='post-author vcard'>Posted by <span class='fn'>{author}</span></span>
<span class='post-comment-link'><a class='comment-link' href='#comments'>{count} comments</a></span>
<span class='post-labels'>Labels: {tags}</span></div></div>
</div></div></div></div>
{_comments(dyn, f"{count} comments:")}"""


def listing_main(info: SiteInfo, heading: str, intro: str, posts: list[tuple[str, Article]]) -> str:
    items = "\n".join(
        f'<article class="post-card"><h2 class="post-card-title"><a href="{path}">{esc(a.title)}</a></h2>'
        f'<p class="post-card-excerpt">{esc(a.excerpt)}</p><footer class="post-card-meta">{esc(a.author)}'
        f' &middot; <time datetime="{a.published.isoformat()}">{_long(a.published)}</time></footer></article>'
        for path, a in posts
    )
    intro_html = f'<p class="archive-description">{esc(intro)}</p>' if intro else ""
    return f'<header class="page-header"><h1 class="page-title">{esc(heading)}</h1>{intro_html}</header>\n{items}'


def aside_html(info: SiteInfo, dyn: Dyn, months: list[date]) -> str:
    archive = "".join(f'<li><a href="/{m.year}/{m.month:02d}/">{m.strftime("%B")} {m.year}</a></li>' for m in months)
    if info.theme == "press":
        return (
            '<section class="widget widget_search"><form role="search" method="get" action="/">'
            '<label>Search for:<input type="search" name="s"></label><button>Search</button></form></section>\n'
            f'<section class="widget widget_recent_entries"><h2 class="widget-title">Recent Posts</h2><ul>{_picks(dyn)}'
            f"</ul></section>\n{_ad(info, dyn.ads[0], 'sidebar-1')}\n"
            f'<section class="widget widget_archive"><h2 class="widget-title">Archives</h2><ul>{archive}</ul></section>'
        )
    if info.theme == "ghost":
        cards = "".join(
            f'<article class="gh-card"><a class="gh-card-link" href="{path}">'
            f'<h3 class="gh-card-title">{esc(t)}</h3></a></article>'
            for t, path in dyn.picks[:3]
        )
        return (
            '<section class="gh-container is-grid gh-outer"><h2 class="gh-container-title">Read more</h2>'
            f"{cards}</section>"
        )
    if info.theme == "docs":
        tree = "".join(
            f'<li class="menu__list-item"><a class="menu__link" href="/docs/{slugify(x)}">{esc(x)}</a></li>'
            for x in ("Introduction", "Installation", "Configuration", "Guides", "Troubleshooting", "FAQ")
        )
        return (
            '<nav aria-label="Docs sidebar" class="menu thin-scrollbar">'
            f'<ul class="theme-doc-sidebar-menu menu__list">{tree}'
            f'</ul></nav>\n<div class="recently-updated"><h3>Recently updated</h3><ul>{_picks(dyn, 4)}</ul></div>'
        )
    if info.theme == "news":
        most = "".join(
            f'<li class="most-read__item"><span class="most-read__rank">{i}</span><a href="{path}">{esc(t)}</a></li>'
            for i, (t, path) in enumerate(dyn.picks[:5], 1)
        )
        return (
            f'<section class="most-read"><h2 class="most-read__title">Most read</h2><ol>{most}</ol></section>\n'
            f"{_ad(info, dyn.ads[1 % len(dyn.ads)], 'rail-mpu')}\n"
            '<section class="newsletter"><h2>Get the morning briefing</h2><form><input type="email" '
            'placeholder="Your email"><button>Sign up</button></form></section>'
        )
    if info.theme == "campus":
        return (
            f'<div class="block block-views"><h2>Related news</h2><ul>{_picks(dyn, 4)}</ul></div>\n'
            '<div class="block block-events"><h2>Upcoming events</h2><ul><li>Open day &ndash; Saturday</li>'
            "<li>Public lecture series</li><li>Library extended hours</li></ul></div>"
        )
    return (
        f"<div class='widget PopularPosts' id='PopularPosts1'><h2>Popular Posts</h2><ul>{_picks(dyn)}</ul></div>\n"
        f"<div class='widget HTML' id='HTML2'>{_ad(info, dyn.ads[0], 'sidebar')}</div>\n"
        "<div class='widget BlogArchive' id='BlogArchive1'><h2>Blog Archive</h2>"
        f"<ul class='hierarchy'>{archive}</ul></div>\n"
        f"<div class='widget Profile' id='Profile1'><h2>About Me</h2><p>{esc(info.author)}</p></div>"
    )


# Not-found messages, in the wordings of common themes: (heading, paragraph).
MISSING_MESSAGES = (
    ("Oops! That page can&rsquo;t be found.", "It looks like nothing was found at this location. Maybe try a search?"),
    ("Page not found", "Sorry, the page you were looking for does not exist or has been moved."),
    ("404", "The page you requested could not be found. It might have been removed, renamed, or never existed."),
    ("Hmm, we can&rsquo;t find that page", "The link you followed may be broken, or the page may have been removed."),
    (
        "Nothing here&hellip;",
        "We looked everywhere, but this page seems to have wandered off. Here are some recent posts.",
    ),
    ("This page doesn&rsquo;t exist", "Check the address for typos, or use the search box to find what you need."),
    ("Sorry, this post is no longer available", "It may have been unpublished or deleted by its author."),
    ("There&rsquo;s nothing at this address", "Whatever was here is gone. Try the archive, or go back home."),
    ("Error 404 &ndash; Not Found", "The requested URL was not found on this server."),
    (
        "Lost your way?",
        "We couldn&rsquo;t find the page you were after. It may have moved when we redesigned the site.",
    ),
    ("We&rsquo;re sorry!", "The article you are looking for is no longer available. Browse our latest stories below."),
)
MISSING_TITLES = (
    "Page not found &ndash; {site}", "404 Not Found | {site}", "Oops! That page can&rsquo;t be found. &ndash; {site}",
    "Nothing found for &ldquo;{slug}&rdquo; | {site}", "Error 404 (Not Found)", "Page Not Found | {site}",
    "404 - Page not found", "{site} | 404", "Not Found &ndash; {site}",
)  # fmt: skip


def missing_main(info: SiteInfo, heading: str, text: str, posts: list[tuple[str, Article]]) -> str:
    recent = "".join(f'<li><a href="{path}">{esc(a.title)}</a></li>' for path, a in posts[:5])
    search = (
        '<form role="search" method="get" action="/">'
        '<input type="search" name="s" placeholder="Search &hellip;"></form>'
    )
    if info.theme == "press":
        return (
            f'<section class="error-404 not-found"><header class="page-header"><h1 class="page-title">{heading}</h1>'
            f'</header><div class="page-content"><p>{text}</p>{search}<div class="widget widget_recent_entries">'
            f'<h2 class="widget-title">Recent Posts</h2><ul>{recent}</ul></div></div></section>'
        )
    if info.theme == "ghost":
        return (
            f'<section class="gh-error gh-outer"><div class="gh-inner"><h1 class="gh-error-title">{heading}</h1>'
            f'<p class="gh-error-description">{text}</p><a class="gh-button" href="/">Go to the front page &rarr;</a>'
            f'</div></section><section class="gh-container"><ul>{recent}</ul></section>'
        )
    if info.theme == "docs":
        return (
            f'<main class="container margin-vert--xl"><div class="row"><div class="col col--6 col--offset-3">'
            f'<h1 class="hero__title">{heading}</h1><p>{text}</p><p>Please contact the owner of the site that '
            "linked you to the original URL and let them know their link is broken.</p></div></div></main>"
        )
    if info.theme == "news":
        return (
            f'<div class="notice notice--missing"><h1 class="notice__title">{heading}</h1><p>{text}</p>'
            f'{search}</div><section class="latest"><h2>Latest stories</h2><ul>{recent}</ul></section>'
        )
    if info.theme == "campus":
        return f'<h1 class="page-title">{heading}</h1><p>{text}</p><p><a href="/">Return to the home page</a></p>'
    return (
        f"<div class='status-msg-wrap'><div class='status-msg-body'><b>{heading}</b> {text}</div>"
        f"<div class='status-msg-border'></div></div><div class='blog-pager'><a href='/'>Home</a></div>"
    )


def login_main(info: SiteInfo, style: str) -> str:
    name = esc(info.name)
    if style == "wordpress":
        return (
            f'<div id="login"><h1><a href="/">{name}</a></h1>'
            '<form name="loginform" id="loginform" action="/wp-login.php"'
            ' method="post"><p><label for="user_login">Username or Email Address</label><input type="text" '
            'name="log" id="user_login"></p><div class="user-pass-wrap"><label for="user_pass">Password</label>'
            '<input type="password" name="pwd" id="user_pass"></div><p class="forgetmenot"><input name="rememberme" '
            'type="checkbox" id="rememberme" value="forever"> <label for="rememberme">Remember Me</label></p>'
            '<p class="submit"><input type="submit" name="wp-submit" value="Log In"></p></form>'
            f'<p id="nav"><a href="/wp-login.php?action=lostpassword">Lost your password?</a></p>'
            f'<p id="backtoblog"><a href="/">&larr; Go to {name}</a></p></div>'
        )
    if style == "devise":
        return (
            '<p class="alert">You need to sign in or sign up before continuing.</p><h2>Log in</h2>'
            '<form class="new_user" id="new_user" action="/users/sign_in" method="post"><div class="field">'
            '<label for="user_email">Email</label><input autofocus="autofocus" type="email" name="user[email]"></div>'
            '<div class="field"><label for="user_password">Password</label><input type="password" '
            'name="user[password]"></div><div class="field"><input type="checkbox" name="user[remember_me]">'
            '<label>Remember me</label></div><div class="actions"><input type="submit" value="Log in"></div></form>'
            '<a href="/users/password/new">Forgot your password?</a><br><a href="/users/sign_up">Sign up</a>'
        )
    if style == "sso":
        return (
            f'<div class="sso-card"><img src="/static/logo.svg" alt="{name}"><h1>Single sign-on</h1>'
            '<p>Continue with your organisation account.</p><form method="post" action="/login">'
            '<input type="email" name="username" placeholder="you@company.example"><input type="password" '
            'name="password" placeholder="Password"><button type="submit">Continue</button></form>'
            '<p class="help">Trouble signing in? Contact the IT service desk.</p></div>'
        )
    if style == "django":
        return (
            '<div id="content" class="colM"><p class="errornote">Please log in to see this page.</p>'
            '<form action="/accounts/login/" method="post" id="login-form"><input type="hidden" '
            'name="csrfmiddlewaretoken" value="x7Gq2"><div class="form-row"><label for="id_username">Username:</label>'
            '<input type="text" name="username" id="id_username"></div><div class="form-row"><label '
            'for="id_password">Password:</label><input type="password" name="password" id="id_password"></div>'
            '<div class="submit-row"><input type="submit" value="Log in"></div></form></div>'
        )
    if style == "wiki":
        return (
            f"<h1>Log in</h1><p>You must be logged in to view this page of the {name} wiki. "
            'Use your staff account.</p><form method="post"><label>Username <input name="wpName"></label>'
            '<label>Password <input type="password" name="wpPassword"></label><label><input type="checkbox" '
            'name="wpRemember"> Keep me logged in</label><button type="submit">Log in</button></form>'
            '<p><a href="/wiki/Special:PasswordReset">Forgot your password?</a></p>'
        )
    return (
        f'<div class="auth"><h1>Sign in to {name}</h1><form method="post" action="/session">'
        '<label for="login_field">Email address</label><input type="text" name="login" id="login_field">'
        '<label for="password">Password</label><input type="password" name="password" id="password">'
        '<a class="label-link" href="/password_reset">Forgot password?</a><input type="submit" value="Sign in">'
        '</form><p class="create">New here? <a href="/signup">Create an account</a>.</p></div>'
    )


def spa_shell(flavour: str, app: str, build: str) -> str:
    app = esc(app)
    if flavour == "react":
        return (
            '<!doctype html><html lang="en"><head><meta charset="utf-8"/><link rel="icon" href="/favicon.ico"/>'
            '<meta name="viewport" content="width=device-width,initial-scale=1"/><meta name="theme-color" '
            f'content="#000000"/><link rel="manifest" href="/manifest.json"/><title>{app}</title>'
            f'<script defer="defer" src="/static/js/main.{build[:8]}.js"></script><link href="/static/css/main.'
            f'{build[8:16]}.css" rel="stylesheet"></head><body><noscript>You need to enable JavaScript to run this '
            'app.</noscript><div id="root"></div></body></html>'
        )
    if flavour == "vue":
        return (
            '<!DOCTYPE html><html lang=""><head><meta charset="utf-8"><meta http-equiv="X-UA-Compatible" '
            'content="IE=edge"><meta name="viewport" content="width=device-width,initial-scale=1.0">'
            f'<link rel="icon" href="/favicon.ico"><title>{app}</title><script defer="defer" '
            f'src="/js/chunk-vendors.{build[:8]}.js"></script><script defer="defer" src="/js/app.{build[8:16]}.js">'
            f"</script></head><body><noscript><strong>We&#39;re sorry but {app} doesn&#39;t work properly without "
            'JavaScript enabled. Please enable it to continue.</strong></noscript><div id="app"></div></body></html>'
        )
    if flavour == "angular":
        return (
            f'<!doctype html>\n<html lang="en">\n<head>\n  <meta charset="utf-8">\n  <title>{app}</title>\n'
            '  <base href="/">\n  <meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f'<link rel="stylesheet" href="styles.{build[:16]}.css"></head>\n<body>\n  <app-root></app-root>\n'
            "  <noscript>Please enable JavaScript to continue using this application.</noscript>\n"
            f'<script src="runtime.{build[:16]}.js" type="module"></script><script src="polyfills.{build[4:20]}.js"'
            f' type="module"></script><script src="main.{build[2:18]}.js" type="module"></script></body>\n</html>\n'
        )
    return (
        f'<!DOCTYPE html>\n<html lang="en">\n  <head>\n    <meta charset="UTF-8" />\n    <title>{app}</title>\n'
        '    <meta name="viewport" content="width=device-width, initial-scale=1.0" />\n'
        f'    <script type="module" crossorigin src="/assets/index-{build[:8]}.js"></script>\n'
        f'    <link rel="stylesheet" crossorigin href="/assets/index-{build[8:16]}.css">\n  </head>\n'
        '  <body>\n    <div id="app"></div>\n  </body>\n</html>\n'
    )


PARK_STYLES = ("broker", "ppc", "registrar", "script", "expired", "foreign", "lease")
SEARCH_TERMS = (
    "Online Degree Programs", "Cheap Car Insurance", "Web Hosting Plans", "Project Management Software",
    "Best Credit Cards", "Home Security Systems", "Cheap Flights", "Senior Living Communities",
    "Personal Injury Lawyer", "Dental Implants Cost", "Solar Panel Installation", "VPN Service",
)  # fmt: skip


def parking_page(style: str, domain: str, r: random.Random, market: str, lander: str, old_topic: str) -> str:
    """A parked domain's page, in one of the styles the real web uses (``market``, ``lander``: base URLs)."""
    price = r.choice(("899", "1,895", "2,495", "4,999", "12,500", "3,250"))
    terms = [*r.sample(SEARCH_TERMS, 6), *(_cap(n.removeprefix("the ")) for n in TOPICS[old_topic].nouns[:2])]
    r.shuffle(terms)
    year = r.choice((2024, 2025))
    if style == "broker":
        broker = r.choice(("DomainMart", "NameBazaar", "Brandpeak Domains"))
        return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{domain} is for sale | {broker}</title>
<meta name="description" content="Buy the domain name {domain} today. Secure payment, fast transfer.">
<link rel="stylesheet" href="{market}/static/lander.css"></head>
<body class="lander"><header class="top"><a class="logo" href="{market}/">{broker}</a>
<nav><a href="{market}/how-it-works">How it works</a><a href="{market}/help">Help</a></nav></header>
<main class="hero"><p class="eyebrow">Premium domain</p><h1 class="domain">{domain}</h1>
<p class="lead">This domain name is available for purchase.</p>
<div class="price-card"><span class="label">Buy now price</span><span class="price">US$ {price}</span>
<a class="btn" href="{market}/checkout?domain={domain}">Buy now</a>
<a class="btn ghost" href="{market}/offer?domain={domain}">Make an offer</a>
<ul class="perks"><li>Buyer protection on every purchase</li><li>Ownership transfer in 24 hours on average</li>
<li>Pay in instalments: 12 months, 0% interest</li></ul></div></main>
<section class="steps"><h2>How does it work?</h2><ol><li><b>Pay securely.</b> Card, bank transfer or PayPal.</li>
<li><b>Receive the domain.</b> We move it to your registrar account.</li>
<li><b>Start building.</b> Point it wherever you like.</li></ol></section>
<footer>&copy; {year} {broker} &middot; <a href="{market}/privacy">Privacy</a>
&middot; <a href="{market}/terms">Terms</a></footer></body></html>
"""
    if style == "ppc":
        links = "\n".join(
            f'<li><a href="/search/?q={quote(t)}&amp;ref=rs{i}" rel="nofollow">{esc(t)}</a></li>'
            for i, t in enumerate(terms)
        )
        banner = (
            f'<div class="sale-banner">The owner of {domain} is offering it for sale for an asking price of '
            f'{price} USD! <a href="{market}/offer?domain={domain}">Inquire now</a></div>'
            if r.random() < 0.5
            else ""
        )
        return f"""<html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8">
<title>{domain}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{{font-family:Arial,sans-serif;background:#0b1d33;color:#fff}}#rs li a{{color:#9cf}}</style>
<script type="text/javascript" src="{lander}/js/ads.min.js?cb={r.getrandbits(24)}"></script>
</head><body>{banner}
<div id="header"><h1>{domain}</h1></div>
<div id="rs"><h2>Related Searches</h2><ul>
{links}
</ul></div>
<div id="footer"><p>Copyright &copy; {year} {domain}. All rights reserved.</p>
<p class="disclaimer">The sponsored listings on this page are supplied automatically by a third party and have
no relationship with the owner of this domain. For trademark questions, please contact the domain owner
(see the WHOIS record).</p><a href="{lander}/privacy">Privacy Policy</a></div>
</body></html>
"""
    if style == "registrar":
        registrar = r.choice(("HostPilot", "Namewise", "Registro Uno"))
        title = r.choice((domain, f"{domain} - Parked Domain", f"Welcome to {domain}"))
        return f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title}</title>
<link rel="stylesheet" href="{lander}/parking/default.css"></head>
<body><div class="parked">
<div class="brand"><img src="{lander}/parking/logo.png" alt="{registrar}"></div>
<h1>{domain}</h1>
<p class="status">This domain is registered, and is parked for free, courtesy of {registrar}.</p>
<div class="cta"><h2>Is this your domain?</h2><p>Let&rsquo;s turn it into a website. Get started with a free
trial of our site builder.</p><a class="button" href="{lander}/builder?d={domain}">Build my site</a></div>
<div class="search"><h2>Find your perfect domain</h2><form action="{lander}/domains/search">
<input name="q" placeholder="Search for a domain"><button>Search</button></form></div>
<ul class="sponsored">{"".join(f"<li>{esc(t)}</li>" for t in terms[:4])}</ul>
</div><footer>&copy; {year} {registrar}. All rights reserved.</footer></body></html>
"""
    if style == "script":
        token = f"{r.getrandbits(96):024x}"
        return (
            f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{domain}</title>'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f'<script>window.LANDER={{"domain":"{domain}","token":"{token}","tid":{r.randrange(10**6)}}};</script>'
            f'<script src="{lander}/js/l.js?v=4" async></script></head><body style="margin:0">'
            f'<div id="lander-root"></div><noscript><div style="padding:2em;font:16px sans-serif">{domain} '
            f'&mdash; this domain may be for sale. <a href="{lander}/inquire?d={domain}">Inquire</a>'
            "</div></noscript></body></html>\n"
        )
    if style == "expired":
        sponsored = "".join(f"<li><a href='/?kw={quote(t)}'>{esc(t)}</a></li>" for t in terms[:5])
        registrar = r.choice(("HostPilot", "Namewise", "PortNine Domains"))
        expired_on = date(year - 1, r.randint(1, 12), r.randint(1, 28))
        return f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>{r.choice((f"{domain} has expired", "Domain expired", f"{domain} - expired"))}</title>
<link rel="stylesheet" href="{lander}/expired.css"></head><body>
<div class="notice"><h1>This domain has expired</h1>
<p>The registration of <strong>{domain}</strong> expired on {_long(expired_on)}.</p>
<p>If you are the registrant, sign in to your {registrar} account and renew it now to restore your website and
e-mail. After the renewal grace period the domain may be released and registered by someone else.</p>
<a class="renew" href="{lander}/renew?domain={domain}">Renew now</a></div>
<div class="ads"><h2>Sponsored results</h2><ul>{sponsored}
</ul></div><footer>{registrar} &middot; Domain services</footer></body></html>
"""
    if style == "foreign":
        if r.random() < 0.5:
            return f"""<!DOCTYPE html><html lang="de"><head><meta charset="utf-8">
<title>{domain} steht zum Verkauf</title><link rel="stylesheet" href="{market}/css/de.css"></head><body>
<div class="kopf"><a href="{market}/">Domainbörse</a></div>
<div class="inhalt"><h1>{domain}</h1><p>Diese Domain kaufen</p>
<p>Der Inhaber dieser Domain bietet sie zum Kauf an. Preis: {price} EUR oder Preisvorschlag.</p>
<a class="knopf" href="{market}/kaufen?domain={domain}">Jetzt kaufen</a>
<a class="knopf" href="{market}/angebot?domain={domain}">Preis vorschlagen</a>
<ul><li>Sichere Zahlung über Treuhand</li><li>Schnelle Übertragung</li></ul></div>
<div class="fuss">Impressum &middot; Datenschutz &middot; AGB</div></body></html>
"""
        return f"""<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8">
<title>{domain} &ndash; nom de domaine à vendre</title><link rel="stylesheet" href="{market}/css/fr.css"></head>
<body><main><h1>{domain}</h1><h2>Ce nom de domaine est à vendre&nbsp;!</h2>
<p>Prix&nbsp;: {price}&nbsp;&euro;. Paiement sécurisé, transfert rapide.</p>
<a class="btn" href="{market}/acheter?domaine={domain}">Acheter maintenant</a>
<a class="btn" href="{market}/offre?domaine={domain}">Faire une offre</a></main>
<footer>Mentions légales &middot; Confidentialité</footer></body></html>
"""
    monthly = r.choice(("49", "99", "149", "229"))
    stems = [f"{w}{r.choice(('notes', 'studio', 'press', 'kitchen', 'labs'))}.example" for w in ("get", "my", "try")]
    similar = "".join(f'<li><a href="{market}/listing/{x}">{x}</a></li>' for x in stems)
    return f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>{r.choice((f"Get {domain} - Own it today", f"{domain} - Lease to own", f"Buy {domain}"))}</title>
<meta name="viewport" content="width=device-width,initial-scale=1"><link rel="stylesheet" href="{market}/app.css">
</head><body><div id="app"><section class="listing"><h1>{domain}</h1>
<p class="sub">Listed by a verified seller</p>
<div class="options"><div class="option"><h3>Buy it now</h3><p class="amount">${price}</p></div>
<div class="option"><h3>Lease to own</h3><p class="amount">${monthly}/mo</p><p>Use the domain right away; it is yours
once the last payment clears.</p></div></div>
<a class="cta" href="{market}/checkout/{domain}">Get this domain</a></section>
<section class="similar"><h2>Similar domains</h2><ul>{similar}</ul></section></div>
<footer>&copy; {year} DomainMart &middot; Secure checkout &middot; Support</footer></body></html>
"""


# ---------------------------------------------------------------------------------------------
# The fake web: sites answer targets per state (0 early, 1 late); the generator builds them.
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Resp:
    status: int
    body: bytes = b""
    location: str | None = None
    ctype: str = "text/html; charset=utf-8"


Handler = Callable[[str], Resp]
NEITHER: tuple[Resp | None, Resp | None] = (None, None)


def page(text: str, status: int = 200) -> Resp:
    return Resp(status, text.encode())


def constant(resp: Resp) -> Handler:
    """A handler answering every target alike."""
    return lambda _target: resp


def redirect(status: int, location: str) -> Resp:
    body = (
        f"<html><head><title>{status} {HTTPStatus(status).phrase}</title></head>"
        f'<body><a href="{esc(location)}">moved here</a></body></html>'
    )
    return Resp(status, body.encode(), location)


class Site:
    """One host: exact targets, then paths (any query), then a fallback; a takeover answers everything."""

    def __init__(self, host: str, server: str, compress: bool, fallback: Handler) -> None:
        self.host = host
        self.server = server
        self.compress = compress
        self.exact: dict[str, tuple[Resp | None, Resp | None]] = {}
        self.paths: dict[str, tuple[Resp | None, Resp | None]] = {}
        self.fallback: list[Handler] = [fallback, fallback]
        self.takeover: list[Handler | None] = [None, None]
        self._cache: dict[tuple[int, str], Resp] = {}

    def answer(self, target: str, phase: int) -> Resp:
        takeover = self.takeover[phase]
        if takeover is None:
            found = self.exact.get(target, NEITHER)[phase] or self.paths.get(urlsplit(target).path, NEITHER)[phase]
            if found is not None:
                return found
        key = (phase, target)
        if key not in self._cache:
            if len(self._cache) > 5000:  # probes of made-up paths: bounded
                self._cache.clear()
            self._cache[key] = (takeover or self.fallback[phase])(target)
        return self._cache[key]


def target_of(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return (parts.hostname or "").lower(), (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


class Web:
    def __init__(self) -> None:
        self.sites: dict[str, Site] = {}

    def add(self, site: Site, *aliases: str) -> Site:
        for host in (site.host, *aliases):
            self.sites[host] = site
        return site

    def answer(self, host: str, target: str, phase: int) -> tuple[Site | None, Resp]:
        site = self.sites.get(host)
        if site is None:
            return None, Resp(421, b"misdirected request", ctype="text/plain")
        return site, site.answer(target, phase)

    def hops(self, url: str, phase: int) -> list[tuple[str, str]]:
        """The requests that following ``url``'s redirects takes: (host, target) each."""
        out = []
        for _ in range(10):
            host, target = target_of(url)
            out.append((host, target))
            _, resp = self.answer(host, target, phase)
            if not (300 <= resp.status < 400 and resp.location):
                break
            url = urljoin(url, resp.location)
        return out


Kind = tuple[str, str, tuple[str, str]]  # (class, kind of link, truth per state)


@dataclass(frozen=True)
class Link:
    url: str
    group: str  # parked | soft-404 | drifted | login | keep
    sub: str
    truth: tuple[str, str]  # per run: ok | moved | http-404 | parked | soft-404 | drifted | login
    anchor: str

    @property
    def kind(self) -> Kind:
        return self.group, self.sub, self.truth


@dataclass
class ContentSite:
    info: SiteInfo
    site: Site
    missing: str  # how missing paths answer: 404 | title | body | section | home | error
    posts: list[tuple[str, Article]]  # newest first
    spare: list[tuple[str, Article]]  # posts not given a role yet
    fresh: list[tuple[str, Article]]  # published between the checks
    months: list[date] = field(default_factory=list)


THEMES = ("press", "ghost", "docs", "news", "campus", "blogspot")
SCHEMES = {"press": "dated", "ghost": "slug", "docs": "docs", "news": "news", "campus": "node", "blogspot": "html"}
SECTIONS = {
    "dated": "/blog/",
    "query": "/blog/",
    "slug": "/archive/",
    "docs": "/docs/",
    "news": "/news/",
    "node": "/news/",
}
NAVS = {
    "press": ("Home", "About", "Archive", "Contact"),
    "ghost": ("Home", "About", "Newsletter", "Archive"),
    "docs": ("Docs", "Guides", "API", "Blog"),
    "news": ("World", "Business", "Technology", "Science", "Culture", "Opinion"),
    "campus": ("About", "Study", "Research", "News", "Events"),
    "blogspot": ("Home", "About me", "Links"),
}
BENIGN = ("dates", "counters", "sidebar", "ads", "edit")
BENIGN_LABEL = {
    "dates": "dates",
    "counters": "counters",
    "sidebar": "sidebar",
    "ads": "ads",
    "edit": "20 % of the text",
}
SOFT_VARIANTS = ("title", "body", "section", "home", "error")
SOFT_LABEL = {
    "title": "200, words in the title",
    "body": "200, words only in the body",
    "section": "redirect to the section index",
    "home": "redirect to the home page",
    "error": "redirect to an error page",
}
SERVERS = ("nginx", "Apache", "nginx/1.24.0", "openresty", "LiteSpeed", "Microsoft-IIS/10.0", "Apache/2.4.58 (Ubuntu)")
LOGIN_FORMS = (
    "next",
    "next",
    "next",
    "next",
    "next",
    "next-relative",
    "next-relative",
    "accounts",
    "wp",
    "sso",
    "devise",
    "next",
)
LOGIN_LABEL = {
    "next": "/login?next=",
    "next-relative": "/login?next= (relative Location)",
    "accounts": "/accounts/login/?next=",
    "wp": "/wp-login.php?redirect_to=",
    "sso": "another host's /login?next=",
    "devise": "/users/sign_in",
}


class Builder:
    """Generates one seed's fake web and the links into it, each with its truth per state."""

    def __init__(self, seed: int, port: int) -> None:
        self.seed = seed
        self.port = port
        self.r = _rng("reference-rot", seed)
        self.web = Web()
        self.links: list[Link] = []
        self.numbers = self.r.sample(range(2, 1000), 300)
        early = date(2024, 1, 8) + timedelta(days=self.r.randrange(300))
        self.days = (early, early + timedelta(days=self.r.randrange(45, 150)))
        self.names: set[str] = set()
        self.assets = self.base("cdn.sitekit.example")
        self.ads = self.base("ads.adserve.example")
        self.market_host, self.dock_host = "www.domainmart.example", "park.parkdock.example"
        self.market_pages: dict[str, tuple[str, str]] = {}
        for host in ("cdn.sitekit.example", "ads.adserve.example"):
            self.web.add(Site(host, "nginx", False, lambda _t: Resp(200, b"/* ok */", ctype="text/plain")))
        self.web.add(Site(self.market_host, "nginx", True, self._market(0))).fallback = [
            self._market(0),
            self._market(1),
        ]
        self.web.add(Site(self.dock_host, "openresty", False, self._dock))

    # -- hosts and links ------------------------------------------------------------------------

    def base(self, host: str) -> str:
        return f"http://{host}:{self.port}"

    def new_host(self) -> str:
        return f"site{self.numbers.pop()}.example"

    def add_link(self, base: str, target: str, group: str, sub: str, truth: tuple[str, str], anchor: str) -> None:
        self.links.append(Link(base + target, group, sub, truth, anchor))

    # -- content sites --------------------------------------------------------------------------

    def content_site(
        self, theme: str, topic: str, missing: str = "404", generic: bool = False, scheme: str = ""
    ) -> ContentSite:
        host = self.new_host()
        r = _rng(self.seed, host)
        name = f"{r.choice(NAME_A)} {r.choice(NAME_B)}"
        for _ in range(50):
            if name not in self.names:
                break
            name = f"{r.choice(NAME_A)} {r.choice(NAME_B)}"
        self.names.add(name)
        about = TOPICS[topic].about
        tagline = r.choice(
            (
                f"Notes on {about}",
                f"Writing about {about} since 2014",
                f"A blog about {about}",
                _cap(f"{about}, mostly"),
            )
        )
        if generic:
            title_format = r.choice(("{site}", "{site} &ndash; " + esc(tagline)))
        else:
            title_format = r.choice(
                ("{title} | {site}", "{title} &ndash; {site}", "{title} &#8211; {site}", "{site}: {title}", "{title}")
            )
        scheme = scheme or SCHEMES[theme]
        info = SiteInfo(
            host, self.base(host), name, tagline, theme, scheme, SECTIONS.get(scheme, "/search/"), title_format,
            r.choice(PEOPLE), topic, NAVS[theme], self.assets, self.ads,
        )  # fmt: skip
        site = self.web.add(Site(host, r.choice(SERVERS), r.random() < 0.5, lambda _t: Resp(404)))
        titles = list(TOPICS[topic].titles)
        r.shuffle(titles)
        endings = (
            "what I learned",
            "a practical guide",
            "notes from a year of trying",
            "the short version",
            "questions and answers",
        )
        for noun in TOPICS[topic].nouns:
            titles.append(f"{_cap(noun.removeprefix('the ').removeprefix('a '))}: {r.choice(endings)}")
        early = self.days[0]
        dates = sorted((early - timedelta(days=r.randrange(20, 1800)) for _ in range(14)), reverse=True)
        posts = [
            (self.article_path(info, art, n), art)
            for n, art in enumerate(
                make_article(topic, _rng(self.seed, host, t), t, info.author, d)
                for t, d in zip(titles, dates, strict=False)
            )
        ]
        fresh_dates = [self.days[1] - timedelta(days=k) for k in (3, 11)]
        fresh = [
            (self.article_path(info, art, 90 + n), art)
            for n, art in enumerate(
                make_article(topic, _rng(self.seed, host, "fresh", t), t, info.author, d)
                for t, d in zip(titles[14:16], fresh_dates, strict=True)
            )
        ]
        months = sorted({date(d.year, d.month, 1) for _, a in posts for d in (a.published,)}, reverse=True)[:8]
        cs = ContentSite(info, site, missing, posts, list(reversed(posts[2:])), fresh, months)
        for path, art in posts:
            resp = self.render_article(cs, path, art, frozenset(), 0)
            site.exact[path] = (resp, resp)
        for path, art in fresh:
            site.exact[path] = (None, self.render_article(cs, path, art, frozenset(), 1))
        home = [self.render_listing(cs, "/", phase) for phase in (0, 1)]
        site.exact["/"] = (home[0], home[1])
        if info.section not in ("/", "/search/"):
            index = [self.render_listing(cs, info.section, phase) for phase in (0, 1)]
            site.exact[info.section] = (index[0], index[1])
        site.fallback = [self.missing_handler(cs, phase) for phase in (0, 1)]
        return cs

    def article_path(self, info: SiteInfo, art: Article, n: int) -> str:
        d, slug = art.published, slugify(art.title)
        if info.scheme == "dated":
            return f"/{d.year}/{d.month:02d}/{slug}/"
        if info.scheme == "query":
            return f"/?p={1000 + 17 * n}"
        if info.scheme == "slug":
            return f"/{slug}/"
        if info.scheme == "docs":
            return f"/docs/guides/{slug}"
        if info.scheme == "news":
            return f"/news/{d.year}/{d.month:02d}/{d.day:02d}/{slug}"
        if info.scheme == "node":
            return f"/news/{slug}"
        return f"/{d.year}/{d.month:02d}/{slug[:40].rstrip('-')}.html"

    def unused_path(self, cs: ContentSite, key: str) -> tuple[str, str]:
        """A path in the site's own style that never existed, and a title that would fit it."""
        r = _rng(self.seed, cs.info.host, "unused", key)
        topic = TOPICS[cs.info.topic]
        for n in range(100):
            noun = r.choice(topic.nouns).removeprefix("the ").removeprefix("a ")
            title = r.choice(
                (
                    f"Why {noun} matters more than you think",
                    f"Ten things about {noun}",
                    f"Revisiting {noun}",
                    f"{_cap(noun)} in {2015 + n % 9}",
                )
            )
            art = Article(
                title, cs.info.topic, cs.info.author, self.days[0] - timedelta(days=r.randrange(100, 3000)), (), ()
            )
            path = self.article_path(cs.info, art, 500 + r.randrange(10_000))
            if path not in cs.site.exact:
                return path, title
        raise RuntimeError("no unused path")

    def dyn(self, cs: ContentSite, key: str, dims: frozenset[str], phase: int) -> Dyn:
        host = cs.info.host

        def level(dim: str) -> int:
            return phase if dim in dims else 0

        r = _rng(self.seed, host, key, "base")
        views, shares = r.randrange(300, 80_000), r.randrange(5, 3000)
        comments = [
            (
                r.choice(COMMENTERS),
                _cap(_fill(r.choice(COMMENT_FRAMES), TOPICS[cs.info.topic], r)),
                self.days[0] - timedelta(days=r.randrange(5, 400)),
            )
            for _ in range(r.randrange(0, 5))
        ]
        updated = self.days[0] - timedelta(days=r.randrange(5, 300)) if r.random() < 0.3 else None
        if level("dates"):
            updated = self.days[1] - timedelta(days=r.randrange(1, 20))
        if level("counters"):
            grow = _rng(self.seed, host, key, "grow")
            views, shares = int(views * grow.uniform(1.05, 1.6)), shares + grow.randrange(1, 200)
            comments += [
                (
                    grow.choice(COMMENTERS),
                    _cap(_fill(grow.choice(COMMENT_FRAMES), TOPICS[cs.info.topic], grow)),
                    self.days[1] - timedelta(days=grow.randrange(1, 30)),
                )
                for _ in range(grow.randrange(1, 4))
            ]
        candidates = [(a.title, p) for p, a in cs.posts if p != key]
        if level("sidebar"):
            candidates += [(a.title, p) for p, a in cs.fresh]
        picks = _rng(self.seed, host, key, "picks", level("sidebar")).sample(candidates, min(6, len(candidates)))
        ads = _rng(self.seed, host, key, "ads", level("ads")).sample(AD_COPY, 3)
        return Dyn(self.days[level("dates")], updated, views, shares, tuple(comments), tuple(picks), tuple(ads))

    def render_article(self, cs: ContentSite, path: str, art: Article, dims: frozenset[str], phase: int) -> Resp:
        info = cs.info
        d = self.dyn(cs, path, dims, phase)
        ld = json.dumps(
            {
                "@context": "https://schema.org",
                "@type": "BlogPosting",
                "headline": art.title,
                "datePublished": art.published.isoformat(),
                "author": {"@type": "Person", "name": art.author},
                "publisher": {"@type": "Organization", "name": info.name},
            },
            separators=(",", ":"),
        )  # fmt: skip
        head = (
            f'<meta name="description" content="{esc(art.excerpt)}">\n'
            f'<link rel="canonical" href="{info.base}{esc(path)}">\n'
            f'<meta property="og:title" content="{esc(art.title)}">\n<meta property="og:type" content="article">\n'
            f'<script type="application/ld+json">{ld}</script>'
        )
        main = article_main(info, art, d)
        return page(
            _page(info, info.title(art.title), main, aside_html(info, d, cs.months), d.today, head, "single-post")
        )

    def render_listing(self, cs: ContentSite, path: str, phase: int) -> Resp:
        info = cs.info
        posts = (cs.fresh if phase else []) + cs.posts
        d = self.dyn(cs, path, frozenset(BENIGN), phase)
        if path == "/":
            title = (
                info.title_format.format(title=esc(info.tagline), site=esc(info.name))
                if "{title}" in info.title_format
                else info.title("")
            )
            main = listing_main(info, info.name, info.tagline, posts[:8])
        else:
            heading = {"/blog/": "Blog", "/archive/": "Archive", "/docs/": "Documentation", "/news/": "News"}.get(
                path, "Posts"
            )
            title, main = info.title(heading), listing_main(info, heading, "", posts[:12])
        return page(
            _page(info, title, main, aside_html(info, d, cs.months), d.today, "", "home" if path == "/" else "archive")
        )

    def missing_handler(self, cs: ContentSite, phase: int) -> Handler:
        info = cs.info
        r = _rng(self.seed, info.host, "missing")
        heading, text = r.choice(MISSING_MESSAGES)
        title_template = r.choice(MISSING_TITLES)
        error_path, error_key = r.choice((("/error.aspx", "aspxerrorpath"), ("/404/", "from"), ("/not-found", "url")))
        home_status = r.choice((301, 302))
        posts = (cs.fresh if phase else []) + cs.posts
        d = self.dyn(cs, "(missing)", frozenset(BENIGN), phase)
        aside = aside_html(info, d, cs.months)

        def notice(title: str, status: int) -> Resp:
            return page(
                _page(info, title, missing_main(info, heading, text, posts), aside, d.today, "", "error404"), status
            )

        if cs.missing == "error":
            cs.site.paths[error_path] = (notice(info.title("Page not found"), 200),) * 2

        def answer(target: str) -> Resp:
            path = urlsplit(target).path
            slug = path.rstrip("/").rsplit("/", 1)[-1].removesuffix(".html") or "index"
            if cs.missing == "404":
                return notice(info.title("Page not found"), 404)
            if cs.missing == "title":
                return notice(title_template.format(site=esc(info.name), slug=esc(slug.replace("-", " "))), 200)
            if cs.missing == "body":
                return notice(info.title(""), 200)
            if cs.missing == "section":
                return redirect(302, info.base + info.section)
            if cs.missing == "home":
                return redirect(home_status, info.base + "/")
            return redirect(302, f"{info.base}{error_path}?{error_key}={quote(path, safe='')}")

        return answer

    # -- roles: each adds one link with its truth -------------------------------------------------

    def role_home(self, cs: ContentSite, sub: str = "home page") -> None:
        self.add_link(cs.info.base, "/", "keep", sub, ("ok", "ok"), cs.info.name)

    def role_unchanged(self, cs: ContentSite, sub: str = "unchanged") -> None:
        path, art = cs.spare.pop()
        self.add_link(cs.info.base, path, "keep", sub, ("ok", "ok"), art.title)

    def role_benign(self, cs: ContentSite, primary: str, sub: str = "") -> None:
        path, art = cs.spare.pop()
        r = _rng(self.seed, cs.info.host, path, "benign")
        dims = {primary} | {d for d in BENIGN[:4] if r.random() < 0.35}
        if primary == "edit" and r.random() < 0.7:
            dims.add("dates")
        late = edited(art, r) if "edit" in dims else art
        early_resp = self.render_article(cs, path, art, frozenset(dims), 0)
        cs.site.exact[path] = (early_resp, self.render_article(cs, path, late, frozenset(dims), 1))
        self.add_link(cs.info.base, path, "keep", sub or f"changed: {BENIGN_LABEL[primary]}", ("ok", "ok"), art.title)

    def role_trap(self, cs: ContentSite, topic: str) -> None:
        r = _rng(self.seed, cs.info.host, "trap", topic)
        title = r.choice(TOPICS[topic].titles)
        art = make_article(topic, r, title, cs.info.author, self.days[0] - timedelta(days=r.randrange(30, 900)))
        path = self.article_path(cs.info, art, 700)
        dims = frozenset({"dates", "counters"})
        cs.site.exact[path] = (self.render_article(cs, path, art, dims, 0), self.render_article(cs, path, art, dims, 1))
        sub = "an article about 404 pages" if topic == "errors" else "an article about parked domains"
        self.add_link(cs.info.base, path, "keep", sub, ("ok", "ok"), title)

    def role_drift(self, cs: ContentSite, kind: str) -> None:
        path, art = cs.spare.pop()
        r = _rng(self.seed, cs.info.host, path, "drift")
        spam = kind == "new title" and r.random() < 0.35
        other = r.choice(SPAM if spam else [t for t in REGULAR if t != cs.info.topic])
        title = art.title if kind == "same title" else r.choice(TOPICS[other].titles)
        new = make_article(other, r, title, r.choice(PEOPLE), self.days[1] - timedelta(days=r.randrange(1, 30)))
        early_resp = cs.site.exact[path][0]
        cs.site.exact[path] = (early_resp, self.render_article(cs, path, new, frozenset({"dates"}), 1))
        sub = "new title (spam)" if spam else ("new title" if kind == "new title" else "same title, unrelated body")
        self.add_link(cs.info.base, path, "drifted", sub, ("ok", "drifted"), art.title)

    def role_404(self, cs: ContentSite) -> None:
        path, title = self.unused_path(cs, "real-404")
        self.add_link(cs.info.base, path, "keep", "real 404", ("http-404", "http-404"), title)

    def role_moved(self, cs: ContentSite, when: str) -> None:
        path, art = cs.spare.pop()
        r = _rng(self.seed, cs.info.host, path, "moved")
        old = f"/{r.choice(('posts', 'articles', 'old', 'p'))}/{slugify(art.title, 40)}"
        status = r.choice((301, 308))
        target_base = cs.info.base
        if r.random() < 0.3:  # to the www. name of the same site
            alias = f"www.{cs.info.host}"
            self.web.add(cs.site, alias)
            target_base = self.base(alias)
        moved = redirect(status, target_base + path)
        cs.site.exact[old] = (moved, moved) if when == "always" else (cs.site.exact[path][0], moved)
        self.add_link(
            cs.info.base, old, "keep", f"moved ({status})", ("moved" if when == "always" else "ok", "moved"), art.title
        )

    def role_soft(self, cs: ContentSite, when: str) -> None:
        sub = SOFT_LABEL[cs.missing]
        if when == "early":
            path, title = self.unused_path(cs, f"soft-{len(self.links)}")
            self.add_link(cs.info.base, path, "soft-404", sub, ("soft-404", "soft-404"), title)
            return
        path, art = cs.spare.pop()
        cs.site.exact[path] = (cs.site.exact[path][0], None)
        cs.posts = [(p, a) for p, a in cs.posts if p != path]
        self.add_link(cs.info.base, path, "soft-404", sub, ("ok", "soft-404"), art.title)

    def role_login(self, cs: ContentSite, form: str, n: int) -> None:
        info = cs.info
        r = _rng(self.seed, info.host, "login", n)
        target = "/"
        for _ in range(50):
            area = r.choice(("team/handbook", "internal", "members", "private/docs", "staff/wiki"))
            target = f"/{area}/{slugify(r.choice(TOPICS[info.topic].titles), 40)}"
            if target not in cs.site.exact:
                break
        status = r.choice((301, 308))
        style = r.choice(("default", "wiki", "django"))
        if form == "next":
            location, login_path = f"{info.base}/login?next={quote(target, safe='')}", "/login"
        elif form == "next-relative":
            location, login_path = f"/login?next={target}", "/login"
        elif form == "accounts":
            location, login_path, style = (
                f"{info.base}/accounts/login/?next={quote(target, safe='')}",
                "/accounts/login/",
                "django",
            )
        elif form == "wp":
            location, login_path, style = (
                f"{info.base}/wp-login.php?redirect_to={quote(info.base + target, safe='')}&reauth=1",
                "/wp-login.php",
                "wordpress",
            )
        elif form == "devise":
            location, login_path, style = f"{info.base}/users/sign_in", "/users/sign_in", "devise"
        else:
            sso = f"sso.{info.host}"
            self.web.add(
                Site(
                    sso,
                    "nginx",
                    False,
                    constant(page(_page(info, "Sign in &middot; SSO", login_main(info, "sso"), "", self.days[0]))),
                )
            )
            location, login_path = f"{self.base(sso)}/login?next={quote(info.base + target, safe='')}", ""
        if login_path and login_path not in cs.site.paths:
            form_page = page(_page(info, info.title("Log in"), login_main(info, style), "", self.days[0], "", "login"))
            cs.site.paths[login_path] = (form_page, form_page)
        cs.site.exact[target] = (redirect(status, location),) * 2
        self.add_link(
            info.base,
            target,
            "login",
            f"{status} to {LOGIN_LABEL[form]}",
            ("login", "login"),
            f"Handbook: {target.rsplit('/', 1)[-1]}",
        )

    # -- single-page apps and parked domains -----------------------------------------------------

    def spa_site(self, flavour: str) -> None:
        host = self.new_host()
        r = _rng(self.seed, host, "spa")
        app = r.choice(("Trackly", "Ledgerly", "Mapdeck", "Pollster", "Shiftboard", "Quillpad"))
        builds = [f"{r.getrandbits(80):020x}" for _ in (0, 1)]
        site = self.web.add(Site(host, r.choice(SERVERS), True, lambda _t: Resp(200)))
        site.fallback = [constant(page(spa_shell(flavour, app, b))) for b in builds]
        self.add_link(self.base(host), "/", "keep", "single-page app: home", ("ok", "ok"), app)
        for target in r.sample(
            (
                "/dashboard",
                "/docs/getting-started",
                "/pricing",
                f"/u/{slugify(r.choice(COMMENTERS))}",
                f"/p/{r.getrandbits(32):08x}",
                "/settings/profile",
                "/changelog",
            ),
            4,
        ):
            self.add_link(
                self.base(host), target, "keep", "single-page app: deep path", ("ok", "ok"), f"{app} {target}"
            )

    def _market(self, phase: int) -> Handler:
        def answer(target: str) -> Resp:
            path = urlsplit(target).path
            if path.startswith("/listing/") and path[9:] in self.market_pages:
                return page(self.market_pages[path[9:]][phase])
            return page(
                "<html><head><title>DomainMart</title></head><body><h1>Find your next domain</h1></body></html>"
            )

        return answer

    def _dock(self, target: str) -> Resp:
        query = dict(part.split("=", 1) for part in urlsplit(target).query.split("&") if "=" in part)
        domain = query.get("d", "")
        return redirect(302, f"{self.base('ww1.' + domain)}/?sub1={query.get('p', '')}&tdfs=1") if domain else Resp(404)

    def parked_domain(self, styles: tuple[str, str], form: str, when: str) -> None:
        """A domain parked from the first check on (``when`` early) or from the second (late)."""
        r = _rng(self.seed, "parked", len(self.links))
        topic = r.choice(REGULAR)
        if when == "early":
            host = self.new_host()
            site = self.web.add(Site(host, r.choice(("nginx", "openresty")), False, lambda _t: Resp(404)))
            old: list[tuple[str, str]] = []
            for n in range(3):
                title = r.choice(TOPICS[topic].titles)
                d = self.days[0] - timedelta(days=r.randrange(400, 2500))
                path = r.choice(
                    (f"/{d.year}/{d.month:02d}/{slugify(title)}/", f"/blog/{slugify(title)}", f"/{slugify(title)}.html")
                )
                old.append((path if all(path != o for o, _ in old) else f"{path}?n={n}", title))
        else:
            cs = self.content_site(r.choice(THEMES), topic)
            host, site = cs.info.host, cs.site
            old = [(p, a.title) for p, a in (cs.spare.pop() for _ in range(3))]
        domain_base = self.base(host)
        market, lander = self.base(self.market_host), self.base(f"ww1.{host}")
        pages = [parking_page(s, host, _rng(self.seed, host, "park", s), market, lander, topic) for s in styles]
        self.market_pages[host] = (pages[0], pages[1])
        lander_site = self.web.add(Site(f"ww1.{host}", "nginx", False, lambda _t: Resp(404)))
        lander_site.fallback = [constant(page(p)) for p in pages]
        two_hops = r.random() < 0.5
        dock = self.base(self.dock_host)

        def via_lander(t: str) -> Resp:
            token = _rng(host, t).getrandbits(40)
            if two_hops:
                return redirect(302, f"{dock}/r?d={host}&p={token:x}")
            return redirect(302, f"{lander}/?subid1={token:x}&domain={host}")

        def via_market(t: str) -> Resp:
            return redirect(302, f"{market}/listing/{host}?utm_source=parked&utm_term={quote(t, safe='')}")

        if form == "200":
            handlers: list[Handler] = [constant(page(p)) for p in pages]
        else:
            handlers = [via_market if s in ("broker", "foreign", "lease") else via_lander for s in styles]
        site.takeover = [handlers[0] if when == "early" else None, handlers[1]]
        style = styles[1] if styles[0] == styles[1] else f"{styles[0]} then {styles[1]}"
        sub = f"{style}, {'200 at the URL' if form == '200' else '302 to another host'}"
        truth = ("parked" if when == "early" else "ok", "parked")
        self.add_link(domain_base, "/", "parked", sub, truth, host)
        for path, title in old:
            self.add_link(domain_base, path, "parked", sub, truth, title)

    # -- one seed's whole web -----------------------------------------------------------------------

    def build(self) -> None:
        r = self.r
        topics = list(REGULAR)
        r.shuffle(topics)

        def topic(i: int) -> str:
            return topics[i % len(topics)]

        for i in range(14):  # ordinary sites with real 404s
            cs = self.content_site(THEMES[i % 6], topic(i), generic=i % 5 == 4, scheme="query" if i == 6 else "")
            self.role_home(cs)
            self.role_unchanged(cs)
            self.role_unchanged(cs)
            for k in range(3):
                self.role_benign(cs, BENIGN[(3 * i + k) % 5])
            self.role_drift(cs, "new title" if i % 2 else "same title")
            if i % 3 == 0:
                self.role_drift(cs, "same title" if i % 2 else "new title")
            self.role_404(cs)
            self.role_moved(cs, "always" if i % 2 else "between")
            if i < 2:
                self.role_trap(cs, ("errors", "domains")[i])
        for j, variant in enumerate(SOFT_VARIANTS * 2):  # sites whose missing pages answer 200 or redirect
            theme = r.choice(("press", "ghost", "news", "campus", "docs") if variant == "section" else THEMES)
            cs = self.content_site(theme, topic(14 + j), missing=variant, generic=variant == "body")
            self.role_home(cs, "home page (unknown paths redirect here)" if variant == "home" else "home page")
            if variant == "section":
                self.add_link(
                    cs.info.base,
                    cs.info.section,
                    "keep",
                    "section index (unknown paths redirect here)",
                    ("ok", "ok"),
                    "Archive",
                )
            self.role_unchanged(cs, "page on a soft-404 site")
            self.role_benign(cs, BENIGN[j % 5], "page on a soft-404 site, changed")
            for when in ("early", "early", "late", "late"):
                self.role_soft(cs, when)
            if j % 2 == 0:
                self.role_drift(cs, "same title" if j % 4 else "new title")
            if j == 1:
                self.role_trap(cs, "errors")
        for flavour in ("react", r.choice(("vue", "angular")), r.choice(("vite", "react"))):
            self.spa_site(flavour)
        forms = list(LOGIN_FORMS)
        r.shuffle(forms)
        for w in range(4):  # wikis and handbooks with sign-in walls
            cs = self.content_site(("docs", "campus")[w % 2], topic(30 + w))
            self.role_home(cs)
            self.role_unchanged(cs)
            self.role_benign(cs, BENIGN[w % 5])
            self.role_moved(cs, "always")
            for n in range(3):
                self.role_login(cs, forms[3 * w + n], n)
        styles = list(PARK_STYLES)
        r.shuffle(styles)
        for p in range(12):  # parked domains: every style, both forms, parked early or late
            style = styles[p % len(styles)]
            when = ("early", "late")[(p // 2) % 2]
            later = styles[(p + 3) % len(styles)] if when == "early" and p % 3 == 0 else style
            self.parked_domain((style, later), ("200", "302")[p % 2], when)
        r.shuffle(self.links)


def _fill(frame: str, topic: Topic, r: random.Random) -> str:
    return frame.format(n=r.choice(topic.nouns), a=r.choice(topic.adjs), act=r.choice(topic.acts), u=r.choice(UNITS))


# ---------------------------------------------------------------------------------------------
# The server: asyncio HTTP/1.1 on many loopback addresses sharing one port, in a thread of its own.
# It answers by the Host header and logs every request with the state it was answered in.
# ---------------------------------------------------------------------------------------------

ADDRESSES = 96  # 127.0.0.10 - 127.0.0.105; hosts beyond that share addresses
IDLE_TIMEOUT = 30.0
REQUESTS_PER_CONNECTION = 10_000


class FakeServer:
    def __init__(self) -> None:
        self.addresses = [f"127.0.0.{10 + i}" for i in range(ADDRESSES)]
        self.port = 0
        self.web = Web()
        self.phase = 0
        self.log: list[tuple[int, str, str, str]] = []  # (phase, host, method, target)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="fake-web", daemon=True)
        self._servers: list[asyncio.Server] = []
        self._writers: set[asyncio.StreamWriter] = set()

    def start(self) -> None:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._bind(), self._loop).result(60)

    def install(self, web: Web) -> None:
        self.web, self.phase, self.log = web, 0, []

    async def _bind(self) -> None:
        for _ in range(20):  # another program may hold the port on one of the addresses: try another
            servers: list[asyncio.Server] = []
            try:
                servers.append(await asyncio.start_server(self._serve, self.addresses[0], 0))
                port = servers[0].sockets[0].getsockname()[1]
                for address in self.addresses[1:]:
                    servers.append(await asyncio.start_server(self._serve, address, port))
            except OSError:
                for server in servers:
                    server.close()
                continue
            self.port, self._servers = port, servers
            return
        raise RuntimeError("found no port free on all of the fake web's addresses")

    def stop(self) -> None:
        async def close() -> None:
            for server in self._servers:
                server.close()
            for writer in list(self._writers):
                writer.close()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.gather(*(s.wait_closed() for s in self._servers)), 5)

        if self._thread.is_alive():
            with contextlib.suppress(Exception):  # stopping must not hide the benchmark's own outcome
                asyncio.run_coroutine_threadsafe(close(), self._loop).result(10)
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.add(writer)
        try:
            for _ in range(REQUESTS_PER_CONNECTION):
                try:
                    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), IDLE_TIMEOUT)
                except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, TimeoutError, ConnectionError):
                    return
                lines = head.decode("latin-1").split("\r\n")
                parts = lines[0].split(" ")
                if len(parts) != 3:
                    return
                method, target, _ = parts
                headers = {}
                for line in lines[1:]:
                    name, sep, value = line.partition(":")
                    if sep:
                        headers[name.strip().lower()] = value.strip()
                length = int(headers.get("content-length", "0") or "0")
                if length:
                    await reader.readexactly(min(length, 1 << 20))
                host = headers.get("host", "").lower()
                host = host.rsplit(":", 1)[0] if host.count(":") == 1 else host
                phase = self.phase
                self.log.append((phase, host, method, target))
                site, resp = self.web.answer(host, target, phase)
                writer.write(self._encode(site, resp, method, headers))
                await writer.drain()
                if headers.get("connection", "").lower() == "close":
                    return
        except ConnectionError:
            return
        finally:
            self._writers.discard(writer)
            writer.close()

    @staticmethod
    def _encode(site: Site | None, resp: Resp, method: str, headers: dict[str, str]) -> bytes:
        body = resp.body
        fields = [("Date", formatdate(usegmt=True)), ("Server", site.server if site else "nginx")]
        fields.append(("Content-Type", resp.ctype))
        if body and site is not None and site.compress and "gzip" in headers.get("accept-encoding", ""):
            body = gzip.compress(body, 6, mtime=0)
            fields += [("Content-Encoding", "gzip"), ("Vary", "Accept-Encoding")]
        fields.append(("Content-Length", str(len(body))))
        if resp.location:
            fields.append(("Location", resp.location))
        fields.append(("Connection", "keep-alive"))
        try:
            reason = HTTPStatus(resp.status).phrase
        except ValueError:
            reason = "Unknown"
        head = f"HTTP/1.1 {resp.status} {reason}\r\n" + "".join(f"{k}: {v}\r\n" for k, v in fields) + "\r\n"
        return head.encode("latin-1") + (b"" if method == "HEAD" else body)


# ---------------------------------------------------------------------------------------------
# Running linkkeeper and judging its reports.
# ---------------------------------------------------------------------------------------------

RUN_TIMEOUT = 600.0
ROT = ("parked", "soft-404", "drifted", "login")
Record = dict[str, object]


def write_markdown(folder: Path, links: list[Link]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for k in range(0, len(links), 40):
        lines = [f"# Reading list {k // 40 + 1}", "", "Links collected while researching; checked now and then.", ""]
        for link in links[k : k + 40]:
            anchor = re.sub(r"[\[\]\\`*_<>]", "", html.unescape(link.anchor)).strip() or "link"
            lines.append(f"- [{anchor}]({link.url})")
        (folder / f"reading-{k // 40 + 1:02d}.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


def run_check(
    command: list[str], work: Path, out: Path, resolve: list[str], no_cache: bool
) -> tuple[dict[str, object] | None, float, str]:
    """One ``linkkeeper check`` of ``work/notes``: its JSON report (None if it made none), seconds, a note."""
    args = [*command, "check", "notes", "--db", str(work / "history.sqlite"), "--timeout", "5", "--retries", "1"]
    args += ["--format", "json", "--output", str(out), "--no-progress", "--report-formats", "none"]
    for entry in resolve:
        args += ["--resolve", entry]
    if no_cache:
        args.append("--no-cache")
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}  # nothing may leave the machine
    env["NO_PROXY"] = env["no_proxy"] = "*"
    out.unlink(missing_ok=True)
    started = time.monotonic()
    try:
        proc = subprocess.run(args, cwd=work, env=env, capture_output=True, text=True, timeout=RUN_TIMEOUT, check=False)
    except FileNotFoundError:
        return None, 0.0, f"{command[0]}: command not found"
    except subprocess.TimeoutExpired:
        return None, time.monotonic() - started, f"stopped after {RUN_TIMEOUT:.0f} s"
    elapsed = time.monotonic() - started
    if not out.exists():
        return None, elapsed, f"exit {proc.returncode}, no report: {proc.stderr.strip()[-600:]}"
    try:
        data = json.loads(out.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        return None, elapsed, f"exit {proc.returncode}, report is not JSON: {exc}"
    return data, elapsed, f"exit {proc.returncode}"


def _norm(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}{parts.path or '/'}" + (
        f"?{parts.query}" if parts.query else ""
    )


def records_by_url(data: dict[str, object] | None) -> dict[str, Record]:
    targets = data.get("targets", []) if isinstance(data, dict) else []
    out: dict[str, Record] = {}
    for rec in targets if isinstance(targets, list) else []:
        if isinstance(rec, dict) and isinstance(rec.get("url"), str):
            out[rec["url"]] = rec
            out.setdefault(_norm(rec["url"]), rec)
    return out


def describe(rec: Record | None) -> str:
    if rec is None:
        return "not in the report"
    status = rec.get("status_code")
    shown = status if status is not None else "-"
    return f"{rec.get('outcome')} / {rec.get('error_kind') or '-'} / {shown} / verdict {rec.get('verdict') or '-'}"


def caught(truth: str, rec: Record | None) -> bool:
    """Whether a rotten link's record says what it is."""
    if rec is None:
        return False
    outcome, kind = rec.get("outcome"), rec.get("error_kind")
    if truth == "parked":
        return outcome == "broken" and kind == "parked"
    if truth == "soft-404":
        return outcome == "broken" and kind == "soft-404"
    if truth == "drifted":
        return rec.get("verdict") == "drifted"
    return outcome != "redirected" and (outcome == "blocked" or kind == "soft-404")  # login


def false_flag(truth: str, rec: Record | None) -> bool:
    """Whether a healthy link (ok, moved, or a real 404) was judged as something it is not."""
    if rec is None:
        return True
    outcome, kind = rec.get("outcome"), rec.get("error_kind")
    if kind in ("parked", "soft-404") or rec.get("verdict") == "drifted":
        return True
    if truth == "ok":
        return outcome != "alive"
    if truth == "moved":
        return outcome != "redirected"
    return not (outcome == "broken" and kind == "http-status" and rec.get("status_code") == 404)  # a real 404


@dataclass
class RunScore:
    links: int = 0
    hits: Counter[str] = field(default_factory=Counter)  # rot class -> caught
    totals: Counter[str] = field(default_factory=Counter)  # rot class -> links
    healthy: int = 0
    flags: list[tuple[Link, str]] = field(default_factory=list)
    misses: list[tuple[Link, str]] = field(default_factory=list)
    right: Counter[Kind] = field(default_factory=Counter)  # judged right, per kind of link
    requests: int = 0
    heads: int = 0
    probes: int = 0  # requests for targets that no link's redirects lead to
    extra: list[int] = field(default_factory=list)  # per host
    elapsed: float = 0.0
    note: str = ""
    failed: bool = False  # made no report: left out of the totals

    @property
    def extra_mean(self) -> float:
        return sum(self.extra) / len(self.extra) if self.extra else 0.0


def score_run(
    links: list[Link], run: int, data: dict[str, object] | None, web: Web, log: list[tuple[int, str, str, str]]
) -> RunScore:
    score = RunScore(links=len(links))
    records = records_by_url(data)
    for link in links:
        truth = link.truth[run]
        rec = records.get(link.url) or records.get(_norm(link.url))
        if truth in ROT:
            score.totals[truth] += 1
            if caught(truth, rec):
                score.hits[truth] += 1
                score.right[link.kind] += 1
            else:
                score.misses.append((link, describe(rec)))
        else:
            score.healthy += 1
            if false_flag(truth, rec):
                score.flags.append((link, describe(rec)))
            else:
                score.right[link.kind] += 1
    expected: Counter[str] = Counter()
    needed: set[tuple[str, str]] = set()
    for link in links:
        for host, target in web.hops(link.url, run):
            expected[host] += 1
            needed.add((host, target))
    actual: Counter[str] = Counter()
    for phase, host, method, target in log:
        if phase != run:
            continue
        actual[host] += 1
        score.requests += 1
        score.heads += method == "HEAD"
        score.probes += (host, target) not in needed
    score.extra = [max(0, actual[h] - expected[h]) for h in set(expected) | set(actual)]
    return score


# ---------------------------------------------------------------------------------------------
# Report.
# ---------------------------------------------------------------------------------------------

CLASS_NAMES = {"parked": "parked", "soft-404": "soft-404", "drifted": "drifted", "login": "login wall"}


def _pct(hit: int, total: int) -> str:
    return f"{hit}/{total} {100 * hit / total:5.1f} %" if total else "-"


def _ratio(hit: int, total: int) -> float:
    return hit / total if total else 1.0


def print_table(runs: list[RunScore]) -> None:
    print(f"  {'':30} {'run 1 (early state)':>24} {'run 2 (late state)':>24}")
    for cls in ROT:
        cells = [_pct(run.hits[cls], run.totals[cls]) for run in runs]
        print(f"  {CLASS_NAMES[cls] + ' recall':30} {cells[0]:>24} {cells[1]:>24}")
    cells = [f"{len(run.flags)} of {run.healthy}" for run in runs]
    print(f"  {'false flags':30} {cells[0]:>24} {cells[1]:>24}")
    cells = [f"{run.requests} ({run.requests / max(run.links, 1):.2f}/link)" for run in runs]
    print(f"  {'requests':30} {cells[0]:>24} {cells[1]:>24}")
    cells = [f"{run.extra_mean:.2f} (max {max(run.extra, default=0)})" for run in runs]
    print(f"  {'extra requests per host':30} {cells[0]:>24} {cells[1]:>24}")
    cells = [f"{run.probes} ({run.heads} HEAD)" for run in runs]
    label = "requests to unlinked targets"
    print(f"  {label:30} {cells[0]:>24} {cells[1]:>24}")


def print_examples(title: str, items: list[tuple[Link, str]], limit: int | None) -> None:
    if not items:
        return
    shown = items if limit is None else items[:limit]
    print(f"  {title} ({len(items)}{'' if len(shown) == len(items) else f', first {len(shown)}'}):")
    for link, got in shown:
        print(f"    {link.group:9} {link.sub[:44]:44} {link.url}\n      got {got}")


def print_subclasses(links_by_seed: list[list[Link]], scores: list[list[RunScore]]) -> None:
    totals: list[Counter[Kind]] = [Counter(), Counter()]  # per run, over the runs that made a report
    rights: list[Counter[Kind]] = [Counter(), Counter()]
    for links, runs in zip(links_by_seed, scores, strict=True):
        for i, run in enumerate(runs):
            if not run.failed:
                totals[i].update(link.kind for link in links)
                rights[i].update(run.right)
    print("\nBy kind of link (right: caught when rotten in that state, left alone when healthy):")
    print(f"  {'class':9} {'kind':44} {'truth: early -> late':22} {'links':>5} {'run 1 right':>11} {'run 2 right':>11}")
    order = {g: i for i, g in enumerate(("parked", "soft-404", "drifted", "login", "keep"))}
    for key in sorted(totals[0] | totals[1], key=lambda k: (order[k[0]], k[1], k[2])):
        cells = [f"{rights[i][key]}/{totals[i][key]}" if totals[i][key] else "-" for i in (0, 1)]
        count = max(totals[0][key], totals[1][key])
        print(f"  {key[0]:9} {key[1]:44} {' -> '.join(key[2]):22} {count:>5} {cells[0]:>11} {cells[1]:>11}")


def merged(scores: list[RunScore]) -> RunScore:
    out = RunScore()
    for s in scores:
        if s.failed:
            continue
        out.links += s.links
        out.hits.update(s.hits)
        out.totals.update(s.totals)
        out.healthy += s.healthy
        out.flags += s.flags
        out.misses += s.misses
        out.right.update(s.right)
        out.requests += s.requests
        out.heads += s.heads
        out.probes += s.probes
        out.extra += s.extra
    return out


def targets_missed(runs: list[RunScore], failures: list[str]) -> list[str]:
    first, second = runs
    checks = [
        ("parked recall 100 %", [first, second], "parked", 1.0),
        ("soft-404 recall >= 95 %", [first, second], "soft-404", 0.95),
        ("drift recall >= 80 %", [second], "drifted", 0.80),
    ]
    missed = []
    for label, scored, cls, floor in checks:
        values = [_ratio(s.hits[cls], s.totals[cls]) for s in scored]
        if any(v < floor for v in values):
            missed.append(f"{label} (got {', '.join(f'{100 * v:.1f} %' for v in values)})")
    flags = len(first.flags) + len(second.flags)
    if flags:
        missed.append(f"0 false flags (got {len(first.flags)} in run 1, {len(second.flags)} in run 2)")
    per_run = [first.extra_mean, second.extra_mean]
    if max(per_run) > 2.0:
        missed.append(f"<= 2 extra requests per host per run (got {per_run[0]:.2f} and {per_run[1]:.2f})")
    missed += [f"a report from every run ({failure}; left out of the totals)" for failure in failures]
    return missed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seeds", type=int, default=3, help="fake webs to generate, seeds 1..N (at most 20)")
    parser.add_argument("--linkkeeper", default="linkkeeper", help="the command to run (split like a shell)")
    parser.add_argument("--keep", metavar="DIR", help="keep each seed's Markdown, reports, history and truth here")
    parser.add_argument("--verbose", action="store_true", help="list every miss and every false flag")
    args = parser.parse_args(argv)
    seeds = range(1, max(1, min(args.seeds, 20)) + 1)
    command = shlex.split(args.linkkeeper)
    limit = None if args.verbose else 6
    scratch = Path(tempfile.mkdtemp(prefix="reference-rot-"))
    root = Path(args.keep).resolve() if args.keep else scratch
    server = FakeServer()
    all_links: list[list[Link]] = []
    all_scores: list[list[RunScore]] = []
    try:
        server.start()
        for seed in seeds:
            builder = Builder(seed, server.port)
            builder.build()
            server.install(builder.web)
            hosts = sorted(builder.web.sites)
            resolve = [f"{host}:{server.addresses[i % len(server.addresses)]}" for i, host in enumerate(hosts)]
            work = root / f"seed-{seed}"
            shutil.rmtree(work / "notes", ignore_errors=True)
            (work / "history.sqlite").unlink(missing_ok=True)
            write_markdown(work / "notes", builder.links)
            runs = []
            for run in (0, 1):
                server.phase = run
                for attempt in range(2):  # a run that made no report (a crash) is tried once more
                    logged = len(server.log)
                    data, elapsed, note = run_check(command, work, work / f"run-{run + 1}.json", resolve, run == 1)
                    if data is not None or attempt:
                        break
                    print(f"seed {seed}, run {run + 1} made no report ({note}); trying it once more", flush=True)
                    del server.log[logged:]
                    time.sleep(2)
                score = score_run(builder.links, run, data, builder.web, server.log)
                score.elapsed, score.note, score.failed = elapsed, note, data is None
                runs.append(score)
            if args.keep:
                truth = [{"url": x.url, "class": x.group, "kind": x.sub, "truth": list(x.truth)} for x in builder.links]
                (work / "truth.json").write_text(json.dumps(truth, indent=1) + "\n", encoding="utf-8")
            all_links.append(builder.links)
            all_scores.append(runs)
            print(
                f"\nSeed {seed}: {len(builder.links)} links on {len(hosts)} host names; "
                f"run 1 {runs[0].elapsed:.1f} s ({runs[0].note}), run 2 {runs[1].elapsed:.1f} s ({runs[1].note})"
            )
            print_table(runs)
            for i, done in enumerate(runs):
                if done.failed:
                    print(f"  RUN {i + 1} MADE NO REPORT ({done.note}): its column above means nothing")
            print_examples("false flags", [f for done in runs if not done.failed for f in done.flags], limit)
            if args.verbose:
                print_examples("misses", runs[0].misses + runs[1].misses, None)
    finally:
        server.stop()
        shutil.rmtree(scratch, ignore_errors=True)
    if not all_scores:
        return 0
    total = [merged([runs[i] for runs in all_scores]) for i in (0, 1)]
    print(f"\nSummary over {len(all_scores)} seed(s), {total[0].links} links:")
    print_table(total)
    print_subclasses(all_links, all_scores)
    failures = [
        f"seed {seed} run {i + 1}: {scored.note}"
        for seed, pair in zip(seeds, all_scores, strict=False)
        for i, scored in enumerate(pair)
        if scored.failed
    ]
    missed = targets_missed(total, failures)
    print()
    if missed:
        print("TARGETS MISSED:")
        for line in missed:
            print(f"  - {line}")
    else:
        print("TARGETS MET")
    return 0


if __name__ == "__main__":
    sys.exit(main())
