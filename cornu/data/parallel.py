"""Background threads of the pipeline: prefetching producers and the parallel-map worker pool.

Why threads: NumPy (and so most cornu ops) releases the GIL inside its kernels, and input functions
often wait on files; either way a thread overlaps the next elements with the consumer's work.

Rules every thread here keeps:
- it is a daemon thread, and it watches a stop event, so an abandoned iterator (closed, or garbage
  collected) ends its threads and interpreter exit never waits on them;
- an exception raised in a thread is handed to the consumer, which re-raises the *same* exception
  object: its type is unchanged and its traceback still shows the frames of the user's function.
"""
import queue
import threading
import time

_POLL = 0.05  # seconds between checks of the stop event while a queue is full or empty

_ITEM, _END, _ERROR = 0, 1, 2


def reraise(exc):
    """Raise an exception captured in another thread with its original traceback."""
    raise exc.with_traceback(exc.__traceback__)


class Producer:
    """Runs `make_iterator()` in a daemon thread and keeps up to `buffer_size` items ready.

    `get()` returns the next item, raises StopIteration at the end, and re-raises the producer's
    exception where the consumer would have met it. `close()` stops the thread: the producer notices
    within _POLL seconds, closes its iterator (so nested producers stop too) and exits.
    """

    def __init__(self, make_iterator, buffer_size, name="cornu.data producer"):
        self._queue = queue.Queue(maxsize=max(int(buffer_size), 1))
        self._stop = threading.Event()
        self._done = False
        self._thread = threading.Thread(target=self._run, args=(make_iterator,), name=name, daemon=True)
        self._thread.start()

    def _put(self, message):
        while not self._stop.is_set():
            try:
                self._queue.put(message, timeout=_POLL)
                return True
            except queue.Full:
                continue
        return False

    def _run(self, make_iterator):
        iterator = None
        try:
            iterator = make_iterator()
            for item in iterator:
                if not self._put((_ITEM, item)):
                    return
            self._put((_END, None))
        except BaseException as exc:  # noqa: B902 - every failure goes to the consumer
            self._put((_ERROR, exc))
        finally:
            close = getattr(iterator, "close", None)
            if close is not None:
                try:
                    close()
                except Exception:  # noqa: BLE001 - closing an abandoned source must not raise here
                    pass

    def _unpack(self, message):
        kind, value = message
        if kind == _ITEM:
            return value
        self._done = True
        if kind == _END:
            raise StopIteration
        reraise(value)

    def get(self):
        if self._done:
            raise StopIteration
        return self._unpack(self._queue.get())

    def close(self):
        self._stop.set()


def prefetch(make_iterator, buffer_size):
    """Iterate `make_iterator()` with a Producer running `buffer_size` items ahead."""
    producer = Producer(make_iterator, buffer_size, name="cornu.data prefetch")
    try:
        while True:
            try:
                item = producer.get()
            except StopIteration:
                return
            yield item
    finally:
        producer.close()


class WorkerPool:
    """`size` daemon threads running `fn` over chunks of items; each result comes back tagged with its
    chunk's sequence number as (seq, outputs, exception or None)."""

    def __init__(self, fn, size):
        self._fn = fn
        self._tasks = queue.Queue()
        self.results = queue.Queue()
        self._stop = threading.Event()
        self.seconds_per_item = None  # running mean of fn's time, to size the chunks
        self._mean, self._samples = None, 0
        self._threads = [threading.Thread(target=self._work, name=f"cornu.data map worker {i}", daemon=True)
                         for i in range(size)]
        for t in self._threads:
            t.start()

    def _work(self):
        fn, clock = self._fn, time.perf_counter
        while not self._stop.is_set():
            try:
                task = self._tasks.get(timeout=_POLL)
            except queue.Empty:
                continue
            if task is None:
                return
            seq, items = task
            outputs, error = [], None
            start = clock()
            try:
                for item in items:
                    outputs.append(fn(item))
            except BaseException as exc:  # noqa: B902 - handed to the consumer
                error = exc
            per_item = (clock() - start) / max(len(outputs), 1)
            self._mean = per_item if self._mean is None else 0.8 * self._mean + 0.2 * per_item
            self._samples += 1
            if self._samples >= len(self._threads):  # trust the mean once every worker has reported
                self.seconds_per_item = self._mean
            if self._stop.is_set():
                return
            self.results.put((seq, outputs, error))

    def submit(self, seq, items):
        self._tasks.put((seq, items))

    def next_result(self):
        while True:
            try:
                return self.results.get(timeout=_POLL)
            except queue.Empty:
                if not any(t.is_alive() for t in self._threads):
                    raise RuntimeError("cornu.data: the map worker threads stopped unexpectedly") from None

    def close(self):
        self._stop.set()
        for _ in self._threads:
            self._tasks.put(None)


# Handing one element to a thread and back costs tens of microseconds (queues, locks, the GIL); when
# `fn` is quicker than that, elements travel in chunks sized so that each task runs about this long.
_TASK_SECONDS = 0.0005
_MAX_CHUNK = 64


def _chunk_size(pool):
    mean = pool.seconds_per_item
    if mean is None:
        return 1
    return max(1, min(_MAX_CHUNK, int(_TASK_SECONDS / max(mean, 1e-7))))


def parallel_map(iterator, fn, parallelism, deterministic=True):
    """`fn` over the items of `iterator` on `parallelism` threads, keeping up to that many tasks in flight.

    deterministic=True yields results in input order; False yields each task's results as it
    completes. An error from `fn` (or from the input) is raised at the position where its element
    would have come out, after the elements before it.
    """
    pool = WorkerPool(fn, parallelism)
    ready = {}               # seq -> (outputs, error), completed but not yet yielded (deterministic)
    in_flight = 0
    submitted = 0
    emitted = 0
    exhausted = False
    input_error = None       # (seq, exception) raised by the input itself
    try:
        while True:
            while not exhausted and in_flight + len(ready) < parallelism:
                chunk = []
                size = _chunk_size(pool)
                try:
                    while len(chunk) < size:
                        chunk.append(next(iterator))
                except StopIteration:
                    exhausted = True
                except Exception as exc:  # noqa: BLE001 - raised at its place in the sequence
                    exhausted = True
                    input_error = (submitted + (1 if chunk else 0), exc)
                if chunk:
                    pool.submit(submitted, chunk)
                    submitted += 1
                    in_flight += 1
            if in_flight == 0 and not ready:
                if input_error is not None:
                    reraise(input_error[1])
                return
            if deterministic:
                while emitted not in ready:
                    if input_error is not None and input_error[0] == emitted:
                        reraise(input_error[1])
                    seq, outputs, error = pool.next_result()
                    ready[seq] = (outputs, error)
                    in_flight -= 1
                outputs, error = ready.pop(emitted)
            else:
                _, outputs, error = pool.next_result()
                in_flight -= 1
            emitted += 1
            yield from outputs
            if error is not None:
                reraise(error)
    finally:
        pool.close()
        close = getattr(iterator, "close", None)
        if close is not None:
            close()
