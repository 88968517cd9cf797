"""The tight bound from one depth-first search agrees with cutting every cut vertex out."""

from __future__ import annotations

import networkx as nx
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.core.adjacency import Adjacency
from planner.core.bounds import set_bound, tight_upper_bound
from planner.core.rules import Rules


def _reference(graph: nx.Graph, pat: np.ndarray, gps: np.ndarray, rules: Rules) -> int:
    total = 0
    for part in nx.connected_components(graph):
        nodes = np.fromiter(sorted(part), dtype=np.int64)
        best = set_bound(pat[nodes], gps[nodes], rules)
        sub = graph.subgraph(part)
        for v in nx.articulation_points(sub):
            sides = [
                np.fromiter(s, dtype=np.int64)
                for s in nx.connected_components(sub.subgraph(part - {v}))
            ]
            best = min(best, 1 + sum(set_bound(pat[s], gps[s], rules) for s in sides))
        total += best
    return total


@st.composite
def graphs(draw):
    n = draw(st.integers(1, 40))
    edges = draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), max_size=3 * n))
    edges = [(a, b) for a, b in edges if a != b]
    pat = np.array(draw(st.lists(st.integers(0, 40_000), min_size=n, max_size=n)))
    gps = np.array(draw(st.lists(st.integers(0, 25), min_size=n, max_size=n)))
    return n, edges, pat, gps


@settings(max_examples=300, deadline=None)
@given(graphs(), st.sampled_from([None, 18]))
def test_one_search_gives_the_bound_of_cutting_every_cut_vertex(spec, min_doctors):
    n, edges, pat, gps = spec
    rules = Rules(min_patients=30_000, min_doctors=min_doctors)
    graph = nx.Graph()
    graph.add_nodes_from(range(n))
    graph.add_edges_from(edges)
    adjacency = Adjacency.from_edges(n, edges)
    assert tight_upper_bound(adjacency, pat, rules, gps) == _reference(graph, pat, gps, rules)


def test_a_chain_of_small_clinics_is_bounded_by_its_cut_vertices():
    # 20k-40k-20k-5k: the size bound says 2, but the 40k clinic cuts the chain in two
    # sides too small for a cluster each
    pat = np.array([20_000, 40_000, 20_000, 5_000])
    adjacency = Adjacency.from_edges(4, [(0, 1), (1, 2), (2, 3)])
    assert tight_upper_bound(adjacency, pat, Rules(min_patients=30_000)) == 1
