"""Account linkage: a union-find over buyers, devices and delivery addresses whose components carry the
per-component indexes the rules read (see docs/adr/0004-risk-engine.md).

Nodes are small integers (one per buyer, device and normalised address); ``parent``/``size`` are plain
lists, ``find`` compresses paths (halving) and ``union`` hangs the smaller tree under the larger, so a
find is amortised O(alpha(n)). Each root owns a :class:`Component` holding its member nodes, the buyers
who claimed each coupon batch and the recent order times per merchant. When two components join, each
index is merged smaller-into-larger, so an entry moves O(log n) times over the whole stream.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass

BUYER, DEVICE, ADDRESS = 0, 1, 2


@dataclass(slots=True)
class Component:
    """What the rules need to know about one connected group of linked accounts."""

    members: list[int]
    # coupon batch -> buyers of this component who claimed it (coupon_ring)
    claimers: dict[str, set[str]]
    # merchant -> ascending times (microseconds) of this component's recent orders for it (brushing)
    orders: dict[str, list[int]]
    buyer_count: int
    # an analyst confirmed a ring among these accounts (the next claims of all of them are blocked)
    confirmed: bool = False


def _merge_times(big: list[int], small: list[int]) -> list[int]:
    """Both ascending; returns one ascending list (``big`` extended when the runs do not interleave)."""
    if not small:
        return big
    if not big:
        return small
    if small[0] >= big[-1]:
        big.extend(small)
        return big
    big.extend(small)
    big.sort()  # two ascending runs: timsort merges them in linear time
    return big


def prune(times: list[int], horizon: int) -> None:
    """Drop the times before ``horizon`` from an ascending list (windows are short, so lists are; a list
    costs a tenth of a deque's memory, and ``del`` of a prefix is one memmove)."""
    if times and times[0] < horizon:
        del times[: bisect_left(times, horizon)]


class Linkage:
    """The linkage graph, grown one event at a time (nodes and links are never removed)."""

    __slots__ = ("_component", "_ids", "_kind", "_name", "_parent", "_size")

    def __init__(self) -> None:
        self._parent: list[int] = []
        self._size: list[int] = []
        self._kind: list[int] = []
        self._name: list[str] = []
        self._component: list[Component | None] = []
        self._ids: tuple[dict[str, int], dict[str, int], dict[str, int]] = ({}, {}, {})

    def _new(self, kind: int, name: str, parent: int | None) -> int:
        node = len(self._parent)
        self._ids[kind][name] = node
        self._parent.append(node if parent is None else parent)
        self._size.append(1)
        self._kind.append(kind)
        self._name.append(name)
        self._component.append(None)
        return node

    def buyer(self, name: str) -> int:
        """The node of a buyer, created (alone in its component) on first sight."""
        node = self._ids[BUYER].get(name)
        if node is None:
            node = self._new(BUYER, name, None)
            self._component[node] = Component([node], {}, {}, 1)
        return node

    def find(self, node: int) -> int:
        parent = self._parent
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    def component_of(self, node: int) -> Component:
        component = self._component[self.find(node)]
        assert component is not None
        return component

    def attach(self, buyer: int, kind: int, name: str, *, order_horizon: int) -> None:
        """Link the buyer node ``buyer`` to a device or normalised address, joining the two components.

        Order times older than ``order_horizon`` are dropped from a merged index on the way (no later
        brushing window can reach them). A device or address seen for the first time is hung straight
        under the buyer's root (a component of one node that carries no index)."""
        node = self._ids[kind].get(name)
        root = self.find(buyer)
        if node is None:
            node = self._new(kind, name, root)
            self._size[root] += 1
            component = self._component[root]
            assert component is not None
            component.members.append(node)
            return
        other = self.find(node)
        if other == root:
            return
        size = self._size
        if size[root] < size[other]:
            root, other = other, root
        self._parent[other] = root
        size[root] += size[other]
        big, small = self._component[root], self._component[other]
        assert big is not None and small is not None
        self._component[other] = None
        self._component[root] = _absorb(big, small, order_horizon)

    def connected(self, a: int, b: int) -> bool:
        return self.find(a) == self.find(b)

    def buyer_node(self, name: str) -> int | None:
        return self._ids[BUYER].get(name)

    def members(self, node: int, *, limit: int | None = None) -> dict[str, list[str]]:
        """Names in the component of ``node`` by kind (``buyers``, ``devices``, ``addresses``), sorted;
        at most ``limit`` of each when given."""
        out: dict[str, list[str]] = {"buyers": [], "devices": [], "addresses": []}
        keys = ("buyers", "devices", "addresses")
        for member in self.component_of(node).members:
            out[keys[self._kind[member]]].append(self._name[member])
        for key in keys:
            out[key].sort()
            if limit is not None:
                del out[key][limit:]
        return out


def _absorb(a: Component, b: Component, order_horizon: int) -> Component:
    """Merge two components' indexes, each smaller-into-larger; returns the merged one."""
    if len(a.members) < len(b.members):
        a, b = b, a
    a.members.extend(b.members)
    a.buyer_count += b.buyer_count
    a.confirmed = a.confirmed or b.confirmed
    claimers, other = a.claimers, b.claimers
    if len(claimers) < len(other):
        claimers, other = other, claimers
    for batch, buyers in other.items():
        mine = claimers.get(batch)
        if mine is None:
            claimers[batch] = buyers
        elif len(mine) < len(buyers):
            buyers |= mine
            claimers[batch] = buyers
        else:
            mine |= buyers
    a.claimers = claimers
    orders, other_orders = a.orders, b.orders
    if len(orders) < len(other_orders):
        orders, other_orders = other_orders, orders
    for merchant, times in other_orders.items():
        prune(times, order_horizon)
        mine_times = orders.get(merchant)
        if mine_times is None:
            if times:
                orders[merchant] = times
            continue
        prune(mine_times, order_horizon)
        if len(mine_times) < len(times):
            mine_times, times = times, mine_times
        orders[merchant] = _merge_times(mine_times, times)
    a.orders = orders
    return a
