"""The benchmark command runs end to end on a small selection."""

import pytest

pytest.importorskip("tabulate", reason="bench table printing")


def test_bench_runs_the_planner_on_a_small_synthetic_region(tmp_path, capsys):
    from bench.run import main

    out = tmp_path / "table.md"
    main(["--instances", "synthetic", "--sizes", "300", "--methods", "planner", "--out", str(out)])
    text = out.read_text()
    assert "synthetic-300-s0" in text and "planner" in text
    assert (tmp_path / "table.csv").exists()
    assert "yes" in capsys.readouterr().out


def test_bench_skips_a_missing_peer_with_a_message(monkeypatch, tmp_path, capsys):
    import bench.run
    from bench import peers

    monkeypatch.setitem(peers.METHODS, "ghost", (peers.METHODS["planner"][0], "no_such_pkg"))
    bench.run.main(
        [
            "--instances",
            "synthetic",
            "--sizes",
            "100",
            "--methods",
            "planner,ghost",
            "--out",
            str(tmp_path / "t.md"),
        ]
    )
    assert "skipping ghost" in capsys.readouterr().err
