"""The explorer page in a real headless Chromium (Debian's package), served by a real relay process
on Anvil after epochs were settled: the page loads, shows the subnet, the settled epoch appears,
the charts draw their points, the explanation is the chain's; and a screenshot with real pixels."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from chromium_driver import dump_dom, read_png, screenshot
from epoch.epoch_net import EpochNet
from oracle.epoch import build_epoch_inputs
from oracle.yuma import YumaMode, run_epoch
from oracle.yuma.explain import explain

pytestmark = pytest.mark.slow


class Dom(HTMLParser):
    """Elements of a dumped DOM: (tag, attrs, ids of the enclosing elements), and the text
    of each element with an id."""

    VOID = {"meta", "link", "br", "img", "input", "hr", "col", "source"}

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict, tuple]] = []
        self.text: dict[str, str] = {}
        self._stack: list[tuple[str, str | None]] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.elements.append((tag, attrs, tuple(i for _, i in self._stack if i)))
        if tag not in self.VOID:
            self._stack.append((tag, attrs.get("id")))
            if attrs.get("id"):
                self.text.setdefault(attrs["id"], "")

    def handle_endtag(self, tag):
        while self._stack:
            if self._stack.pop()[0] == tag:
                break

    def handle_data(self, data):
        for _, i in self._stack:
            if i:
                self.text[i] += data

    def find(self, tag, inside=None, **attrs):
        return [a for t, a, ids in self.elements if t == tag and (inside is None or inside in ids)
                and all(a.get(k.replace("_", "-")) == v for k, v in attrs.items())]


@pytest.fixture
def page(settled, relay):
    return Dom(dump_dom(relay.url + "/explorer/"))


def test_page_loads_and_shows_the_subnet_its_metagraph_and_the_settled_epoch(settled, relay, page):
    net = settled.net
    body = page.find("body")[0]
    assert body.get("data-ready") == "1", body
    assert "error" not in page.text["status"] and "block" in page.text["status"]
    row = page.find("tr", inside="subnets", data_netuid=str(net.netuid))
    assert row and "selected" in row[0]["class"]
    assert page.text["subnet-id"] == str(net.netuid)
    assert [r.get("data-uid") for r in page.find("tr", inside="metagraph")] == [None, *map(str, range(6))]
    assert net.hotkeys[4].address in page.find("td", inside="metagraph", title=net.hotkeys[4].address)[0]["title"]
    epochs = {r["data-epoch"]: r["class"] for r in page.find("tr", inside="epochs") if "data-epoch" in r}
    assert epochs == {str(settled.snaps[0].epoch): "settled", str(settled.snaps[1].epoch): "settled",
                      str(settled.snaps[2].epoch): "open"}


def test_charts_draw_a_point_for_each_datum_the_api_serves(settled, relay, page):
    net = settled.net
    prices = relay.get(f"/v1/subnets/{net.netuid}/prices").json()["points"]
    # Spot and moving price: one point each per sampled block.
    svg = page.find("svg", inside="chart-price")[0]
    assert int(svg["data-points"]) == 2 * len(prices) and len(prices) > 3
    assert len(page.find("circle", inside="chart-price", **{"class": "pt"})) == 2 * len(prices)
    assert page.find("path", inside="chart-price", **{"class": "line"})
    # Per epoch and UID: every settled epoch, for each UID that ever earned something.
    details = [relay.get(f"/v1/subnets/{net.netuid}/epochs/{s.epoch}").json() for s in settled.snaps[:2]]
    for chart, value in (("chart-emission", lambda n: n["stake_credited"] + n["emission_credited"]),
                         ("chart-incentive", lambda n: n["incentive"]), ("chart-dividends", lambda n: n["dividends"])):
        uids = {n["uid"] for d in details for n in d["neurons"] if value(n)}
        assert uids, chart
        points = page.find("circle", inside=chart, **{"class": "pt"})
        assert len(points) == len(uids) * len(details), chart
        assert int(page.find("svg", inside=chart)[0]["data-points"]) == len(points)
    assert {4, 5} <= {n["uid"] for n in details[1]["neurons"] if n["incentive"]}


def test_explanation_of_the_latest_settled_epoch_is_the_chains(settled, relay, client, page):
    snap = settled.snaps[1]
    # The page explains the UID that earned the most in the latest settled epoch (test_read_api
    # checks these payouts against the chain to the rao).
    detail = relay.get(f"/v1/subnets/{settled.net.netuid}/epochs/{snap.epoch}").json()
    earned = [n["stake_credited"] + n["emission_credited"] for n in detail["neurons"]]
    top = earned.index(max(earned))
    pre = page.find("pre", id="explanation")[0]
    assert (pre.get("data-epoch"), pre.get("data-uid")) == (str(snap.epoch), str(top))
    inputs = build_epoch_inputs(client, snap)
    expected = explain(inputs, run_epoch(inputs, mode=YumaMode.EXACT), top)
    assert "as a validator (active stake" in expected or "as a miner: weighted by" in expected
    assert page.text["explanation"] == expected


def test_screenshot_has_the_page_drawn(settled, relay, tmp_path):
    path = screenshot(relay.url + "/explorer/", tmp_path / "explorer.png", 1100, 1500)
    width, height, bpp, rows = read_png(path)
    assert (width, height) == (1100, 1500)
    colours = {rows[y][x * bpp:x * bpp + 3] for y in range(0, height, 3) for x in range(0, width, 3)}
    assert len(colours) > 20, colours  # text, tables and the charts' colours, not a blank page
    # The header bar (#1d2330) is drawn across the top.
    assert rows[5][20 * bpp:20 * bpp + 3] == bytes((0x1D, 0x23, 0x30))
    # The charts' line colours appear (spot price in the first palette colour, #2f6fde).
    assert any(bytes((0x2F, 0x6F, 0xDE)) in row for row in rows)


def test_a_subnet_without_epochs_shows_its_pool_and_says_no_epoch_yet(w3, client, accounts, relay):
    net = EpochNet(w3, client, accounts)  # registered and staked, no epoch opened
    page = Dom(dump_dom(relay.url + f"/explorer/#netuid={net.netuid}"))
    assert page.find("body")[0].get("data-ready") == "1"
    assert page.text["subnet-id"] == str(net.netuid)
    assert len(page.find("tr", inside="metagraph")) == 1 + 6
    assert not [r for r in page.find("tr", inside="epochs") if "data-epoch" in r]
    for chart in ("chart-emission", "chart-incentive", "chart-dividends"):
        assert page.find("svg", inside=chart)[0]["data-points"] == "0"
        assert page.find("text", inside=chart, **{"class": "empty"})
    prices = relay.get(f"/v1/subnets/{net.netuid}/prices").json()["points"]
    assert int(page.find("svg", inside="chart-price")[0]["data-points"]) == 2 * len(prices) > 0
    assert page.text["explanation"] == "no settled epoch yet"
