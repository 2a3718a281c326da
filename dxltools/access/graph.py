"""Cycles in a directed graph of numbered nodes (the nesting of groups): pure functions
over adjacency lists, no knowledge of groups or names."""

from __future__ import annotations

from array import array
from collections.abc import Callable, Sequence

__all__ = ["components", "cycles", "path_back"]


def cycles(children: Sequence[tuple[int, ...]], key: Callable[[int], str]) -> list[list[int]]:
    """One cycle per set of nodes that reach one another: a shortest path from the node
    of the smallest `key` back to itself, ``[a, b, a]``. `children[n]`: the nodes that
    node `n` points to."""
    found: list[list[int]] = []
    for component in components(children):
        start = min(component, key=key)
        path = path_back(start, component, children)
        if path is not None:
            found.append(path)
    return found


def components(children: Sequence[tuple[int, ...]]) -> list[set[int]]:
    """Strongly connected components of the nesting graph (Tarjan, iteratively) that
    can hold a cycle: several groups, or one that lists itself."""
    index = array("i", [-1]) * len(children)
    low = array("i", [-1]) * len(children)
    counter = 0
    stack: list[int] = []
    on_stack = bytearray(len(children))
    found: list[set[int]] = []
    for root in range(len(children)):
        if index[root] >= 0:
            continue
        work: list[tuple[int, int]] = [(root, 0)]
        while work:
            node, child_at = work.pop()
            if child_at == 0:
                index[node] = low[node] = counter
                counter += 1
                stack.append(node)
                on_stack[node] = 1
            if child_at < len(children[node]):
                work.append((node, child_at + 1))
                child = children[node][child_at]
                if index[child] < 0:
                    work.append((child, 0))
                elif on_stack[child]:
                    low[node] = min(low[node], index[child])
                continue
            if low[node] == index[node]:
                component: set[int] = set()
                while True:
                    member = stack.pop()
                    on_stack[member] = 0
                    component.add(member)
                    if member == node:
                        break
                if len(component) > 1 or node in children[node]:
                    found.append(component)
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
    return found


def path_back(
    start: int, component: set[int], children: Sequence[tuple[int, ...]]
) -> list[int] | None:
    """A shortest path from `start` back to itself inside `component`, or None."""
    previous: dict[int, int] = {}
    frontier = [start]
    while frontier:
        following: list[int] = []
        for node in frontier:
            for child in children[node]:
                if child not in component:
                    continue
                if child == start:
                    path = [node]
                    while path[-1] != start:
                        path.append(previous[path[-1]])
                    return [*reversed(path), start]
                if child not in previous:
                    previous[child] = node
                    following.append(child)
        frontier = following
    return None
