"""Which distributions provide which modules: scanned once, scanned again after an install."""

from __future__ import annotations

from jupyter_mlops.core.tracking.environment import module_distributions


def test_module_map_is_kept_until_a_package_is_installed(tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(tmp_path))
    first = module_distributions()
    assert "fakemod" not in first
    assert module_distributions() is first  # kept: nothing changed on sys.path

    info = tmp_path / "fake_dist-1.0.dist-info"  # what pip writes for a new package
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: fake-dist\nVersion: 1.0\n")
    (info / "top_level.txt").write_text("fakemod\n")
    assert module_distributions()["fakemod"] == ["fake-dist"]
