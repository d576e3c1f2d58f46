"""Checksummed, cached downloads of data files (DESIGN principle 6).

`fetch_files(files, mirrors, cache_dir)` makes each named file present in `cache_dir` with the
expected SHA-256, downloading it from the mirrors, tried in turn, when the cache lacks it. A download
goes to a temporary file in `cache_dir` that is renamed to the final name only after its checksum
matched, so the cache never holds a partial or corrupt file under a real name. When every mirror fails,
`DownloadError` says what failed at each mirror and how to place the files by hand.

The cache lives under `cornu_home()`: `$CORNU_HOME`, or `~/.cornu` when it is not set.

>>> import os
>>> from cornu.data.download import cornu_home, dataset_dir
>>> dataset_dir("mnist") == os.path.join(cornu_home(), "datasets", "mnist")
True
"""
import hashlib
import os

from ._atomic import atomic_writer

CHUNK = 1 << 16
TIMEOUT = 30.0  # seconds to wait for a mirror to connect or to send the next bytes


class DownloadError(OSError):
    """No mirror could deliver a file with the expected checksum (the message says what to do)."""


def cornu_home():
    """cornu's data folder: `$CORNU_HOME` if set, else `~/.cornu`."""
    return os.path.abspath(os.path.expanduser(os.environ.get("CORNU_HOME") or os.path.join("~", ".cornu")))


def dataset_dir(name):
    """The cache folder of a dataset, `<cornu_home()>/datasets/<name>` (not created here)."""
    return os.path.join(cornu_home(), "datasets", name)


def sha256_of(path):
    """The SHA-256 of a file, as 64 lowercase hex digits."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def mirrors_from_env(variable, default):
    """The mirror list: `$variable` split on commas and whitespace when it is set, else `default`."""
    value = os.environ.get(variable, "").replace(",", " ").split()
    return value or list(default)


def _accepted(expected):
    return (expected,) if isinstance(expected, str) else tuple(expected)


def fetch_files(files, mirrors, cache_dir, timeout=TIMEOUT, verbose=True, hint=None):
    """Make every file of `files` present and verified in `cache_dir`; their paths, by name.

    Args:
        files: `{file name: sha256}` (a tuple of digests accepts any of them).
        mirrors: base URLs tried in turn for each file; a file's URL is the base plus its name
            (`https://`, `http://` and `file://` work).
        cache_dir: where the verified files live (created when missing).
        timeout: seconds to wait for a connection or for more data.
        verbose: print `Downloading data from URL` before each download, as Keras does.
        hint: a line added to the error message (an offline alternative, say).

    Returns:
        `{file name: path}` for every file in `files`.

    Raises:
        DownloadError: some file could not be had from any mirror; the message names, for each such
            file, what every mirror answered, and how to place the files by hand.
    """
    os.makedirs(cache_dir, exist_ok=True)
    paths, failures = {}, {}
    unreachable = {}  # mirror -> why: a mirror that could not be reached is not tried for later files
    for name, expected in files.items():
        accepted = _accepted(expected)
        path = os.path.join(cache_dir, name)
        if os.path.exists(path):
            digest = sha256_of(path)
            if digest in accepted:
                paths[name] = path
                continue
            problems = [f"the cached {path} has SHA-256 {digest}, not the expected one; "
                        "downloading it again"]
        else:
            problems = []
        for base in mirrors:
            url = base if base.endswith("/") else base + "/"
            url += name
            if base in unreachable:
                problems.append(f"{url}: not tried, the mirror was unreachable ({unreachable[base]})")
                continue
            if verbose:
                print(f"Downloading data from {url}", flush=True)
            try:
                _download(url, path, accepted, timeout)
            except Exception as e:  # noqa: BLE001 -- any failure means: try the next mirror
                problems.append(f"{url}: {_describe(e)}")
                if _is_unreachable(e):
                    unreachable[base] = _describe(e)
                continue
            paths[name] = path
            break
        else:
            failures[name] = problems
    if failures:
        raise DownloadError(_failure_message(files, failures, mirrors, cache_dir, hint))
    return paths


def _download(url, path, accepted, timeout):
    import urllib.request  # imported here: `import cornu` stays light

    digest, received = hashlib.sha256(), 0
    request = urllib.request.Request(url, headers={"User-Agent": "cornu"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        length = response.headers.get("Content-Length")
        # write under a temporary name; atomic_writer renames it only if the block completes
        with atomic_writer(path) as f:
            while True:
                chunk = response.read(CHUNK)
                if not chunk:
                    break
                digest.update(chunk)
                f.write(chunk)
                received += len(chunk)
            if length is not None and received != int(length):
                raise DownloadError(f"connection closed after {received} of {length} bytes")
            if digest.hexdigest() not in accepted:
                raise DownloadError(f"checksum mismatch: got SHA-256 {digest.hexdigest()} "
                                    f"({received} bytes), expected {' or '.join(accepted)}")


def _describe(error):
    import urllib.error

    if isinstance(error, urllib.error.HTTPError):
        return f"HTTP error {error.code} {error.reason}"
    if isinstance(error, urllib.error.URLError):
        return f"cannot connect: {error.reason}"
    if isinstance(error, TimeoutError):
        return f"timed out: {error}"
    return f"{type(error).__name__}: {error}" if not isinstance(error, DownloadError) else str(error)


def _is_unreachable(error):
    """Connection-level failures (no route, refused, DNS, timeout), as opposed to a bad file."""
    import urllib.error

    if isinstance(error, urllib.error.HTTPError):
        return False
    return isinstance(error, (urllib.error.URLError, ConnectionRefusedError, TimeoutError))


def _failure_message(files, failures, mirrors, cache_dir, hint):
    lines = [f"could not download {len(failures)} of {len(files)} files into {cache_dir}:"]
    for name, problems in failures.items():
        lines.append(f"  {name}:")
        lines.extend(f"    - {problem}" for problem in problems or ["no mirrors to try"])
    lines.append("To use the files without a network, fetch them elsewhere from any of these mirrors:")
    lines.extend(f"    {base}" for base in mirrors)
    lines.append(f"and place them, with exactly these names, in {cache_dir}")
    lines.append("(or point the CORNU_HOME environment variable to the folder holding datasets/);")
    lines.append("each is checked against its SHA-256 (`sha256sum FILE`):")
    for name, expected in files.items():
        lines.append(f"    {_accepted(expected)[0]}  {name}")
    if hint:
        lines.append(hint)
    return "\n".join(lines)
