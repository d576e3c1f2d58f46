"""cornu.data.download against a local HTTP server (no network): checksums, mirrors tried in turn, atomic
writes (the cache never holds a partial or corrupt file), the offline error and the cache."""
import hashlib
import os

import pytest

from cornu.data import download
from cornu.data.download import DownloadError, fetch_files
from tests.data.http_fixture import LocalServer, refused_url

GOOD = {"a.gz": b"first file " * 1000, "b.gz": b"second file " * 2000}
SHA = {name: hashlib.sha256(body).hexdigest() for name, body in GOOD.items()}


@pytest.fixture
def server():
    s = LocalServer()
    yield s
    s.close()


def listing(directory):
    return sorted(os.listdir(directory)) if os.path.isdir(directory) else []


def assert_cache_holds_exactly(directory, names):
    """Only verified files, no temporary leftovers, each with the right bytes."""
    assert listing(directory) == sorted(names)
    for name in names:
        with open(os.path.join(directory, name), "rb") as f:
            assert f.read() == GOOD[name]


def test_success_downloads_verifies_and_caches(server, tmp_path, capsys):
    for name, body in GOOD.items():
        server.serve("m1", name, body)
    cache = tmp_path / "cache"
    paths = fetch_files(SHA, [server.url("m1")], str(cache))
    assert paths == {name: str(cache / name) for name in GOOD}
    assert_cache_holds_exactly(cache, GOOD)
    out = capsys.readouterr().out
    assert f"Downloading data from {server.url('m1')}a.gz" in out
    assert oct(os.stat(cache / "a.gz").st_mode & 0o777) == "0o644"


def test_second_call_is_served_from_the_cache_without_network(server, tmp_path):
    for name, body in GOOD.items():
        server.serve("m1", name, body)
    cache = str(tmp_path)
    fetch_files(SHA, [server.url("m1")], cache)
    asked = len(server.requests)
    paths = fetch_files(SHA, [refused_url()], cache, verbose=False)  # no mirror reachable now
    assert len(server.requests) == asked
    assert_cache_holds_exactly(cache, GOOD)
    assert sorted(paths) == sorted(GOOD)


def test_checksum_mismatch_tries_the_next_mirror_and_never_caches_the_bad_file(server, tmp_path):
    for name, body in GOOD.items():
        server.serve("bad", name, body[::-1])  # same length, wrong bytes
        server.serve("good", name, body)
    cache = str(tmp_path)
    fetch_files(SHA, [server.url("bad"), server.url("good")], cache, verbose=False)
    assert server.requests == ["/bad/a.gz", "/good/a.gz", "/bad/b.gz", "/good/b.gz"]
    assert_cache_holds_exactly(cache, GOOD)


def test_checksum_mismatch_everywhere_is_an_error_and_leaves_the_cache_clean(server, tmp_path):
    server.serve("bad", "a.gz", b"not the file")
    cache = str(tmp_path / "cache")
    with pytest.raises(DownloadError) as info:
        fetch_files({"a.gz": SHA["a.gz"]}, [server.url("bad")], cache, verbose=False)
    message = str(info.value)
    bad_sha = hashlib.sha256(b"not the file").hexdigest()
    assert f"checksum mismatch: got SHA-256 {bad_sha}" in message and SHA["a.gz"] in message
    assert listing(cache) == []


def test_dropped_connection_mid_file_leaves_no_partial_file(server, tmp_path):
    server.serve("flaky", "a.gz", GOOD["a.gz"], mode="drop")
    cache = str(tmp_path)
    with pytest.raises(DownloadError) as info:
        fetch_files({"a.gz": SHA["a.gz"]}, [server.url("flaky")], cache, verbose=False)
    assert "IncompleteRead" in str(info.value) or "closed after" in str(info.value)
    assert listing(cache) == []
    # and the next mirror is tried when one drops the connection
    server.serve("good", "a.gz", GOOD["a.gz"])
    fetch_files({"a.gz": SHA["a.gz"]}, [server.url("flaky"), server.url("good")], cache, verbose=False)
    assert_cache_holds_exactly(cache, ["a.gz"])


def test_http_error_tries_the_next_mirror(server, tmp_path):
    server.serve("good", "a.gz", GOOD["a.gz"])
    fetch_files({"a.gz": SHA["a.gz"]}, [server.url("empty"), server.url("good")], str(tmp_path), verbose=False)
    assert server.requests == ["/empty/a.gz", "/good/a.gz"]
    assert_cache_holds_exactly(tmp_path, ["a.gz"])


def test_offline_error_names_each_file_each_mirror_and_how_to_place_them(tmp_path):
    mirrors = [refused_url("one"), refused_url("two")]
    cache = str(tmp_path / "datasets" / "toy")
    with pytest.raises(DownloadError) as info:
        fetch_files(SHA, mirrors, cache, verbose=False, hint="Offline, try the sample.")
    message = str(info.value)
    assert isinstance(info.value, OSError)
    assert "could not download 2 of 2 files" in message
    for name in GOOD:
        assert f"{mirrors[0]}{name}" in message and f"{mirrors[1]}{name}" in message
        assert f"{SHA[name]}  {name}" in message  # the sha256sum line of each file
    assert "cannot connect" in message and "not tried, the mirror was unreachable" in message
    assert f"place them, with exactly these names, in {cache}" in message
    assert "CORNU_HOME" in message and message.endswith("Offline, try the sample.")
    assert listing(cache) == []


def test_corrupt_cached_file_is_downloaded_again(server, tmp_path):
    (tmp_path / "a.gz").write_bytes(b"truncated")
    server.serve("m", "a.gz", GOOD["a.gz"])
    fetch_files({"a.gz": SHA["a.gz"]}, [server.url("m")], str(tmp_path), verbose=False)
    assert_cache_holds_exactly(tmp_path, ["a.gz"])


def test_corrupt_cached_file_is_reported_when_no_mirror_answers(tmp_path):
    (tmp_path / "a.gz").write_bytes(b"truncated")
    with pytest.raises(DownloadError, match="the cached .*a.gz has SHA-256"):
        fetch_files({"a.gz": SHA["a.gz"]}, [refused_url()], str(tmp_path), verbose=False)
    assert (tmp_path / "a.gz").read_bytes() == b"truncated"  # a user's file is not deleted


def test_a_file_placed_by_hand_is_used(tmp_path):
    (tmp_path / "a.gz").write_bytes(GOOD["a.gz"])
    assert fetch_files({"a.gz": SHA["a.gz"]}, [], str(tmp_path)) == {"a.gz": str(tmp_path / "a.gz")}


def test_any_of_several_accepted_digests(tmp_path):
    (tmp_path / "a.gz").write_bytes(GOOD["a.gz"])
    fetch_files({"a.gz": ("0" * 64, SHA["a.gz"])}, [], str(tmp_path))


def test_file_urls_work_as_mirrors(tmp_path):
    source = tmp_path / "source"
    source.mkdir()
    (source / "a.gz").write_bytes(GOOD["a.gz"])
    fetch_files({"a.gz": SHA["a.gz"]}, [source.as_uri()], str(tmp_path / "cache"), verbose=False)
    assert (tmp_path / "cache" / "a.gz").read_bytes() == GOOD["a.gz"]


def test_cornu_home_and_mirrors_from_env(monkeypatch, tmp_path):
    monkeypatch.setenv("CORNU_HOME", str(tmp_path))
    assert download.cornu_home() == str(tmp_path)
    assert download.dataset_dir("mnist") == os.path.join(str(tmp_path), "datasets", "mnist")
    monkeypatch.delenv("CORNU_HOME")
    assert download.cornu_home() == os.path.join(os.path.expanduser("~"), ".cornu")
    monkeypatch.setenv("TOY_MIRRORS", "http://a/, http://b/ http://c/")
    assert download.mirrors_from_env("TOY_MIRRORS", ["d"]) == ["http://a/", "http://b/", "http://c/"]
    monkeypatch.setenv("TOY_MIRRORS", "")
    assert download.mirrors_from_env("TOY_MIRRORS", ["d"]) == ["d"]


def test_sha256_of(tmp_path):
    (tmp_path / "f").write_bytes(b"abc")
    assert download.sha256_of(tmp_path / "f") == hashlib.sha256(b"abc").hexdigest()
