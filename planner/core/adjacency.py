"""Compressed neighbour lists: the graph in arrays, for solvers and checks.

networkx is the public face of the contiguity graph; the solvers and the predicates in
:mod:`planner.evaluate.checks` work on this array form, which is an order of magnitude faster
to walk than networkx objects.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import networkx as nx
import numpy as np
from scipy import sparse
from scipy.sparse.csgraph import connected_components

__all__ = ["Adjacency"]


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

    def subgraph_connected(self, nodes: np.ndarray) -> bool:
        """Whether the nodes induce a connected subgraph (an empty set is not)."""
        nodes = np.asarray(nodes)
        if len(nodes) == 0:
            return False
        inside = np.zeros(self.n, dtype=bool)
        inside[nodes] = True
        seen = np.zeros(self.n, dtype=bool)
        stack = [int(nodes[0])]
        seen[nodes[0]] = True
        count = 1
        while stack:
            i = stack.pop()
            for j in self.neighbours(i):
                if inside[j] and not seen[j]:
                    seen[j] = True
                    count += 1
                    stack.append(int(j))
        return count == len(nodes)
