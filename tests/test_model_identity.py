"""A local model folder is identified by its content, its file digests are remembered, and a model
that is nowhere with the hub unreachable is refused at once, naming where it was looked for."""

from __future__ import annotations

import os
import shutil
import time

import pytest

from workbench import models
from workbench.data import DataSpec
from workbench.engine import Engine
from workbench.errors import ConfigError
from workbench.models import folder_identity, resolve_model
from workbench.spec import RunSpec
from workbench.store import RunStore


@pytest.fixture(autouse=True)
def _fresh_digests(monkeypatch):
    monkeypatch.setattr(models, "_digests", {})


def _fake_model(folder, weight=b"\x01" * 4096):
    folder.mkdir(parents=True)
    (folder / "config.json").write_text('{"model_type": "bert"}')
    (folder / "vocab.txt").write_text("[PAD]\n[UNK]\nthe\n")
    (folder / "model.safetensors").write_bytes(weight)
    return folder


def test_a_copy_of_the_packaged_minilm_is_the_same_model(tmp_path):
    packaged = resolve_model("all-MiniLM-L6-v2")
    assert packaged.is_local
    copy = tmp_path / "elsewhere" / "my-minilm"
    shutil.copytree(packaged.location, copy, copy_function=shutil.copy)  # new path, new file times
    (copy / "README.md").write_text("my notes")  # documentation is not the model
    assert resolve_model(str(copy)).identity == packaged.identity
    assert packaged.identity.startswith("sha256:")


def test_the_same_run_id_for_a_copy_of_the_model(tmp_path):
    a = _fake_model(tmp_path / "a")
    time.sleep(0.01)
    b = _fake_model(tmp_path / "b")
    engine = Engine(tmp_path / "s.sqlite")
    spec = RunSpec(DataSpec("sample"), method="embed-centroid")
    from dataclasses import replace

    assert engine.prepare(replace(spec, model=str(a))).run_id == engine.prepare(replace(spec, model=str(b))).run_id


def test_one_changed_weight_byte_is_a_new_model(tmp_path):
    from tiny_models import tiny_bert_classifier

    folder = tiny_bert_classifier(tmp_path / "tiny", ["neg", "pos"])
    before = resolve_model(str(folder)).identity
    weights = folder / "model.safetensors"
    st = weights.stat()
    data = bytearray(weights.read_bytes())
    data[-1] ^= 0x01  # same size
    weights.write_bytes(bytes(data))
    os.utime(weights, ns=(st.st_atime_ns, st.st_mtime_ns))  # same file time
    models._digests.clear()  # a new process: nothing remembered but what the store holds
    assert resolve_model(str(folder)).identity != before


def test_digests_are_remembered_in_the_store_by_path_size_time_and_inode(tmp_path, monkeypatch):
    folder = _fake_model(tmp_path / "m")
    store = RunStore(tmp_path / "s.sqlite")
    hashed: list[str] = []
    real = models._hash_file
    monkeypatch.setattr(models, "_hash_file", lambda p: hashed.append(p.name) or real(p))
    first = folder_identity(folder, store)
    assert sorted(hashed) == ["config.json", "model.safetensors", "vocab.txt"]
    models._digests.clear()  # another process, the same store
    store2 = RunStore(tmp_path / "s.sqlite")
    hashed.clear()
    assert folder_identity(folder, store2) == first and hashed == []
    # A file written again (new time) is hashed again; its old entry goes.
    models._digests.clear()
    (folder / "config.json").write_text('{"model_type": "bert"}')
    os.utime(folder / "config.json", ns=(1, 1))
    assert folder_identity(folder, store2) == first and hashed == ["config.json"]
    rows = store2._db.execute("SELECT COUNT(*) FROM file_digests WHERE path LIKE ?", ("%config.json",)).fetchone()[0]
    assert rows == 1


def test_a_hub_model_keeps_its_commit(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hub"))
    ref = tmp_path / "hub" / "models--org--m" / "refs" / "main"
    ref.parent.mkdir(parents=True)
    ref.write_text("abc123")
    assert resolve_model("org/m").identity == "hub:org/m@abc123"


# ---------------------------------------------------------------- an unreachable hub


@pytest.fixture
def no_hub(tmp_path, monkeypatch):
    """No route to the hub and HF_HUB_OFFLINE not set by the user; nothing installed anywhere."""
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.delenv("TRANSFORMERS_OFFLINE", raising=False)
    monkeypatch.setenv("WORKBENCH_MODELS", str(tmp_path / "models"))
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hub"))
    for var in ("HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy", "HF_ENDPOINT"):
        monkeypatch.delenv(var, raising=False)
    probes: list[int] = []
    monkeypatch.setattr(models, "probe_hub", lambda timeout=0: probes.append(1) or False)
    monkeypatch.setattr(models, "_hub_reachable", None)
    return probes


def test_an_unknown_model_fails_at_once_naming_the_places(tmp_path, no_hub):
    engine = Engine(tmp_path / "s.sqlite")
    start = time.monotonic()
    with pytest.raises(ConfigError) as info:
        engine.prepare(RunSpec(DataSpec("sample"), method="embed-centroid", model="nobody/no-such-model"))
    assert time.monotonic() - start < 5
    msg, e = str(info.value), info.value
    assert e.field == "model" and "\n" not in msg
    assert "model 'nobody/no-such-model'" in msg and "cannot be reached" in msg
    for place in ("local folder", str(tmp_path / "models" / "no-such-model"), "$WORKBENCH_MODELS", "packaged all-MiniLM-L6-v2", str(tmp_path / "hub")):
        assert place in msg, place
    assert "choose another model" in msg and "--model" not in msg
    # Asked once per process.
    with pytest.raises(ConfigError):
        engine.prepare(RunSpec(DataSpec("sample"), method="embed-centroid", model="nobody/other"))
    assert no_hub == [1]


def test_embed_logreg_without_mpnet_names_the_model_it_wanted(tmp_path, no_hub):
    with pytest.raises(ConfigError) as info:
        Engine(tmp_path / "s.sqlite").prepare(RunSpec(DataSpec("sample"), method="embed-logreg"))
    msg = str(info.value)
    assert "embed-logreg's default model 'sentence-transformers/all-mpnet-base-v2'" in msg
    assert str(tmp_path / "models") in msg and "get-models" in msg


def test_a_model_found_locally_needs_no_hub(tmp_path, no_hub):
    _fake_model(tmp_path / "models" / "all-mpnet-base-v2")
    prep = Engine(tmp_path / "s.sqlite").prepare(RunSpec(DataSpec("sample"), method="embed-logreg"))
    assert prep.model.is_local and no_hub == []


def test_a_reachable_hub_leaves_the_hub_id_to_transformers(tmp_path, no_hub, monkeypatch):
    monkeypatch.setattr(models, "_hub_reachable", True)
    prep = Engine(tmp_path / "s.sqlite").prepare(RunSpec(DataSpec("sample"), method="embed-centroid", model="org/m"))
    assert prep.model.identity == "hub:org/m"


def test_the_probe_is_short_when_nothing_answers(monkeypatch):
    monkeypatch.setenv("HF_ENDPOINT", "http://127.0.0.1:1")  # refused at once, no network touched
    for var in ("HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(var, raising=False)
    start = time.monotonic()
    assert models.probe_hub(timeout=1.0) is False
    assert time.monotonic() - start < 2


def test_the_probe_goes_to_the_proxy_when_one_is_set(monkeypatch):
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example:3128")
    assert models._hub_address() == ("proxy.example", 3128)
    monkeypatch.delenv("HTTPS_PROXY")
    for var in ("https_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("HF_ENDPOINT", "https://hub.example")
    assert models._hub_address() == ("hub.example", 443)


def test_no_probe_when_the_user_set_offline(tmp_path, no_hub, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")  # transformers then fails fast by itself
    prep = Engine(tmp_path / "s.sqlite").prepare(RunSpec(DataSpec("sample"), method="embed-centroid", model="org/m"))
    assert prep.model.identity == "hub:org/m" and no_hub == []
