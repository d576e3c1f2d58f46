"""Atomic file writes (DESIGN principle 6): data goes to a temporary file in the destination's
directory, which replaces the destination only once it is complete and flushed to disk."""
import contextlib
import os
import tempfile


@contextlib.contextmanager
def atomic_writer(path):
    """`with atomic_writer(path) as f: f.write(...)`: `path` appears whole or not at all.

    An exception inside the block removes the temporary file and leaves `path` as it was.
    """
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=directory, prefix="." + os.path.basename(path) + ".", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)  # mkstemp makes it 0600; a data file is world-readable like any other
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
