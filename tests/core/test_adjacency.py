import numpy as np

from planner.core.adjacency import Adjacency


def test_from_edges_is_symmetric_and_drops_loops_and_repeats():
    adj = Adjacency.from_edges(4, [(0, 1), (1, 0), (1, 1), (2, 3)])
    assert adj.neighbours(0).tolist() == [1]
    assert adj.neighbours(1).tolist() == [0]
    assert adj.n_edges == 2
    assert adj.degree().tolist() == [1, 1, 1, 1]


def test_components_and_connected_subgraphs():
    adj = Adjacency.from_edges(5, [(0, 1), (1, 2), (3, 4)])
    comp = adj.components()
    assert comp[0] == comp[1] == comp[2]
    assert comp[3] == comp[4] != comp[0]
    assert adj.subgraph_connected(np.array([0, 1, 2]))
    assert not adj.subgraph_connected(np.array([0, 2]))  # 1 is the only way between them
    assert not adj.subgraph_connected(np.array([], dtype=int))
