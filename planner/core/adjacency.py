"""Compressed neighbour lists: the graph in arrays, for solvers and checks.

networkx is the public face of the contiguity graph; the solvers and the predicates in
:mod:`planner.evaluate.checks` work on this array form, which is an order of magnitude faster
to walk than networkx objects.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from functools import cached_property

import networkx as nx
import numpy as np
from scipy import sparse
from scipy.sparse.csgraph import connected_components

__all__ = ["Adjacency", "is_connected", "mask_connected"]


@dataclass(frozen=True)
class Adjacency:
    """A symmetric, simple graph on nodes ``0..n-1`` as CSR neighbour lists.

    Examples
    --------
    >>> adj = Adjacency.from_edges(3, [(0, 1), (1, 2)])
    >>> adj.neighbours(1).tolist()
    [0, 2]
    >>> adj.components().tolist()
    [0, 0, 0]
    """

    indptr: np.ndarray
    indices: np.ndarray

    @property
    def n(self) -> int:
        """Number of nodes."""
        return len(self.indptr) - 1

    @property
    def n_edges(self) -> int:
        """Number of undirected edges."""
        return len(self.indices) // 2

    def neighbours(self, i: int) -> np.ndarray:
        """The neighbours of node ``i``, sorted."""
        return self.indices[self.indptr[i] : self.indptr[i + 1]]

    def degree(self) -> np.ndarray:
        """Degree of every node."""
        return np.diff(self.indptr)

    @classmethod
    def from_edges(cls, n: int, edges: Iterable[tuple[int, int]]) -> Adjacency:
        """Build from undirected edges; self-loops and repeats are dropped."""
        arr = np.asarray(list(edges), dtype=np.int64).reshape(-1, 2)
        arr = arr[arr[:, 0] != arr[:, 1]]
        rows = np.concatenate([arr[:, 0], arr[:, 1]])
        cols = np.concatenate([arr[:, 1], arr[:, 0]])
        mat = sparse.csr_matrix((np.ones(len(rows), dtype=np.int8), (rows, cols)), shape=(n, n))
        mat.sum_duplicates()
        mat.sort_indices()
        return cls(mat.indptr.astype(np.int64), mat.indices.astype(np.int64))

    @classmethod
    def from_networkx(cls, graph: nx.Graph) -> Adjacency:
        """Build from a networkx graph whose nodes are ``0..n-1``."""
        return cls.from_edges(graph.number_of_nodes(), graph.edges())

    def to_sparse(self) -> sparse.csr_matrix:
        """The adjacency matrix."""
        data = np.ones(len(self.indices), dtype=np.int8)
        return sparse.csr_matrix((data, self.indices, self.indptr), shape=(self.n, self.n))

    def components(self) -> np.ndarray:
        """Connected-component label of every node (labels ``0..k-1``)."""
        _, labels = connected_components(self.to_sparse(), directed=False)
        return labels

    def edge_array(self) -> np.ndarray:
        """Every undirected edge once, as rows ``(i, j)`` with ``i < j``, sorted.

        >>> Adjacency.from_edges(3, [(2, 1), (0, 1)]).edge_array().tolist()
        [[0, 1], [1, 2]]
        """
        rows = np.repeat(np.arange(self.n, dtype=np.int64), np.diff(self.indptr))
        upper = rows < self.indices
        return np.column_stack([rows[upper], self.indices[upper]])

    def keep_edges(self, keep: np.ndarray) -> Adjacency:
        """The same nodes with only the edges of :meth:`edge_array` where ``keep`` is true."""
        return Adjacency.from_edges(self.n, self.edge_array()[np.asarray(keep, dtype=bool)])

    def within(self, label: np.ndarray) -> Adjacency:
        """The graph cut between labels: only edges whose ends have the same label.

        >>> Adjacency.from_edges(3, [(0, 1), (1, 2)]).within(["a", "a", "b"]).n_edges
        1
        """
        label = np.asarray(label)
        e = self.edge_array()
        return self.keep_edges(label[e[:, 0]] == label[e[:, 1]])

    def restricted(self, inside: np.ndarray) -> Adjacency:
        """The same nodes with only the edges between nodes ``inside`` (a boolean mask)."""
        inside = np.asarray(inside, dtype=bool)
        e = self.edge_array()
        return self.keep_edges(inside[e[:, 0]] & inside[e[:, 1]])

    def induced(self, nodes: np.ndarray) -> Adjacency:
        """The subgraph on ``nodes``, renumbered ``0..len(nodes)-1`` in their given order.

        >>> path = Adjacency.from_edges(4, [(0, 1), (1, 2), (2, 3)])
        >>> path.induced([3, 2, 0]).edge_array().tolist()
        [[0, 1]]
        """
        nodes = np.asarray(nodes, dtype=np.int64)
        pos = np.full(self.n, -1, dtype=np.int64)
        pos[nodes] = np.arange(len(nodes))
        e = pos[self.edge_array()]
        return Adjacency.from_edges(len(nodes), e[(e >= 0).all(axis=1)])

    def quotient(self, group: np.ndarray, k: int) -> Adjacency:
        """The graph of ``k`` groups (``group[i] = -1``: node ``i`` in none): two groups are
        neighbours where any of their members are.

        >>> Adjacency.from_edges(4, [(0, 1), (1, 2), (2, 3)]).quotient([0, 0, 1, -1], 2).n_edges
        1
        """
        group = np.asarray(group, dtype=np.int64)
        g = group[self.edge_array()]
        keep = (g >= 0).all(axis=1) & (g[:, 0] != g[:, 1])
        return Adjacency.from_edges(k, g[keep])

    @cached_property
    def lists(self) -> list[list[int]]:
        """Neighbour lists as plain Python lists (fastest for walks in Python loops)."""
        return [
            self.indices[a:b].tolist()
            for a, b in zip(self.indptr[:-1], self.indptr[1:], strict=True)
        ]

    def subgraph_connected(self, nodes: np.ndarray) -> bool:
        """Whether the nodes induce a connected subgraph (an empty set is not)."""
        return is_connected(self.lists, {int(i) for i in np.asarray(nodes).tolist()})


def mask_connected(mask: int, nbrs: Sequence[int]) -> bool:
    """Whether the nodes of a bit mask induce a connected subgraph (the empty mask is not),
    ``nbrs[i]`` being the bit mask of node ``i``'s neighbours: the exhaustive splits test
    thousands of masks, so this walks bits instead of sets.

    >>> mask_connected(0b101, [0b010, 0b101, 0b010]), mask_connected(0b111, [0b010, 0b101, 0b010])
    (False, True)
    """
    if not mask:
        return False
    reach = mask & -mask
    while True:
        grown = reach
        rest = reach
        while rest:
            low = rest & -rest
            grown |= nbrs[low.bit_length() - 1] & mask
            rest ^= low
        if grown == reach:
            return reach == mask
        reach = grown


def is_connected(nbrs: Sequence[Sequence[int]], members: AbstractSet[int]) -> bool:
    """Whether ``members`` induce a connected subgraph of ``nbrs`` (the empty set is not).

    The one connectivity test of the planner: the solvers call it on their neighbour
    lists, :meth:`Adjacency.subgraph_connected` on its own.

    >>> is_connected([[1], [0, 2], [1]], {0, 2}), is_connected([[1], [0, 2], [1]], {0, 1, 2})
    (False, True)
    """
    if not members:
        return False
    start = min(members)
    seen = {start}
    stack = [start]
    while stack:
        i = stack.pop()
        for j in nbrs[i]:
            if j in members and j not in seen:
                seen.add(j)
                stack.append(j)
    return len(seen) == len(members)
