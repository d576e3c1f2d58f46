"""The threads of cornu.data: parallel map, prefetch and parallel interleave keep the order, really run
concurrently, hand errors back with their original traceback, and stop when abandoned.

No sleeps: concurrency is shown with barriers and events (with timeouts, so a broken pipeline fails
instead of hanging)."""
import gc
import os
import subprocess
import sys
import threading
import traceback

import numpy as np
import pytest

import cornu as tf
import cornu.data  # noqa: F401  (tf.data)

Dataset = tf.data.Dataset
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
WAIT = 10  # seconds before a test that should not block gives up


def ints(ds):
    return [int(x) for x in ds]


def cornu_threads():
    return {t for t in threading.enumerate() if t.name.startswith("cornu.data")}


def assert_threads_end(before):
    for t in cornu_threads() - before:
        t.join(WAIT)
        assert not t.is_alive(), f"{t.name} still running after its iterator was abandoned"


# -- parallel map ------------------------------------------------------------------------------------
@pytest.mark.parametrize("calls", [1, 3, tf.data.AUTOTUNE])
def test_parallel_map_keeps_the_order(calls):
    ds = Dataset.range(200).map(lambda x: x * x, num_parallel_calls=calls)
    assert ints(ds) == [i * i for i in range(200)]
    assert ints(ds) == [i * i for i in range(200)]
    assert len(ds) == 200 and ds.element_spec == tf.TensorSpec((), tf.int64)


def test_parallel_map_runs_calls_concurrently():
    barrier = threading.Barrier(4, timeout=WAIT)

    def meet(x):
        if int(x) < 4:
            barrier.wait()  # passes only when 4 calls are running at the same time
        return x + 1
    assert ints(Dataset.range(8).map(meet, num_parallel_calls=4)) == list(range(1, 9))


def test_parallel_map_order_when_calls_finish_out_of_order():
    def run(deterministic):
        third_done = threading.Event()

        def slow_first(x):
            if int(x) == 0:
                assert third_done.wait(WAIT)  # element 0 finishes only after element 3
            if int(x) == 3:
                third_done.set()
            return x
        return ints(Dataset.range(6).map(slow_first, num_parallel_calls=4, deterministic=deterministic))
    assert run(None) == run(True) == [0, 1, 2, 3, 4, 5]
    out = run(False)
    assert sorted(out) == [0, 1, 2, 3, 4, 5] and out.index(3) < out.index(0)


def test_options_deterministic_false_reaches_a_parallel_map():
    third_done = threading.Event()

    def slow_first(x):
        if int(x) == 0:
            assert third_done.wait(WAIT)
        if int(x) == 3:
            third_done.set()
        return x
    options = tf.data.Options()
    options.deterministic = False
    ds = Dataset.range(6).map(slow_first, num_parallel_calls=4).with_options(options)
    out = ints(ds)
    assert out.index(3) < out.index(0)


def test_parallel_map_tuples_and_dicts():
    pairs = Dataset.from_tensor_slices((np.arange(50), np.arange(50) * 2))
    out = list(pairs.map(lambda a, b: {"s": a + b}, num_parallel_calls=3).as_numpy_iterator())
    assert [int(d["s"]) for d in out] == [3 * i for i in range(50)]


def user_map_function_that_fails(x):
    if int(x) == 5:
        raise KeyError(f"no label for element {int(x)}")
    return x


def assert_user_traceback(exc_info, name="user_map_function_that_fails"):
    text = "".join(traceback.format_exception(exc_info.type, exc_info.value, exc_info.tb))
    assert name in text, text


@pytest.mark.parametrize("calls", [None, 2, tf.data.AUTOTUNE])
def test_map_errors_reach_the_caller_with_their_traceback(calls):
    it = iter(Dataset.range(10).map(user_map_function_that_fails, num_parallel_calls=calls))
    assert [int(next(it)) for _ in range(5)] == [0, 1, 2, 3, 4]  # the elements before the failure
    with pytest.raises(KeyError, match="no label for element 5") as info:
        next(it)
    assert_user_traceback(info)


def test_prefetch_error_from_a_generator_keeps_type_and_traceback():
    def user_generator_that_fails():
        yield 1
        yield 2
        raise ZeroDivisionError("bad record")
    ds = Dataset.from_generator(user_generator_that_fails, output_signature=tf.TensorSpec((), tf.int32))
    it = iter(ds.prefetch(4))
    assert [int(next(it)), int(next(it))] == [1, 2]
    with pytest.raises(ZeroDivisionError, match="bad record") as info:
        next(it)
    assert_user_traceback(info, "user_generator_that_fails")
    with pytest.raises(StopIteration):
        next(it)


def test_map_error_through_prefetch_and_batch():
    ds = Dataset.range(10).map(user_map_function_that_fails, num_parallel_calls=2).batch(2).prefetch(2)
    it = iter(ds)
    assert [v.numpy().tolist() for v in (next(it), next(it))] == [[0, 1], [2, 3]]
    with pytest.raises(KeyError) as info:
        next(it)
    assert_user_traceback(info)


def test_parallel_interleave_error_and_order():
    def user_open_function(x):
        if int(x) == 2:
            return Dataset.range(3).map(user_map_function_that_fails_in_sub)
        return Dataset.range(3)
    ds = Dataset.range(4).interleave(user_open_function, cycle_length=2, num_parallel_calls=2)
    with pytest.raises(RuntimeError, match="sub-dataset failed") as info:
        list(ds)
    assert_user_traceback(info, "user_map_function_that_fails_in_sub")
    ok = Dataset.range(4).interleave(lambda x: Dataset.range(x * 10, x * 10 + 3), cycle_length=3,
                                     block_length=2, num_parallel_calls=3)
    assert ints(ok) == [0, 1, 10, 11, 20, 21, 2, 12, 22, 30, 31, 32]


def user_map_function_that_fails_in_sub(x):
    raise RuntimeError("sub-dataset failed")


# -- prefetch overlaps production with consumption ----------------------------------------------------
def test_prefetch_produces_ahead_of_the_consumer():
    produced = [threading.Event() for _ in range(10)]

    def gen():
        for i in range(10):
            produced[i].set()
            yield i
    ds = Dataset.from_generator(gen, output_signature=tf.TensorSpec((), tf.int64)).prefetch(3)
    it = iter(ds)
    assert int(next(it)) == 0
    # while the consumer holds element 0, the background thread fills the buffer with 1, 2, 3
    assert produced[3].wait(WAIT)
    assert ints(it) == list(range(1, 10))


def test_prefetch_overlaps_each_step_of_the_consumer():
    # element i+1 is produced while the consumer is still working on element i (inside the loop
    # body): without a background thread the consumer's wait would time out
    got = [threading.Event() for _ in range(6)]
    produced = [threading.Event() for _ in range(6)]

    def gen():
        for i in range(6):
            if i:
                assert got[i - 1].wait(WAIT)
            produced[i].set()
            yield i
    seen = []
    for x in Dataset.from_generator(gen, output_signature=tf.TensorSpec((), tf.int64)).prefetch(1):
        i = int(x)
        got[i].set()
        if i < 5:
            assert produced[i + 1].wait(WAIT), "element produced only on demand: no overlap"
        seen.append(i)
    assert seen == list(range(6))


# -- abandoned iterators stop their threads -----------------------------------------------------------
def test_abandoned_prefetch_and_parallel_map_threads_stop():
    before = cornu_threads()
    ds = Dataset.range(10 ** 9).map(lambda x: x + 1, num_parallel_calls=3).prefetch(2)
    it = iter(ds)
    assert int(next(it)) == 1
    assert len(cornu_threads() - before) >= 4  # 3 map workers + the prefetch thread
    del it
    gc.collect()
    assert_threads_end(before)


def test_closed_iterator_stops_a_parallel_interleave():
    before = cornu_threads()
    ds = Dataset.range(5).interleave(lambda x: Dataset.range(10 ** 9), cycle_length=3, num_parallel_calls=3)
    it = iter(ds)
    assert ints([next(it) for _ in range(4)]) == [0, 0, 0, 1]
    it.close()
    with pytest.raises(StopIteration):
        next(it)
    assert_threads_end(before)


def test_breaking_out_of_a_for_loop_stops_the_threads():
    before = cornu_threads()
    for x in Dataset.range(10 ** 9).prefetch(5):
        if int(x) == 3:
            break
    gc.collect()
    assert_threads_end(before)


_EXIT_SCRIPT = """
import threading
import cornu.data as data
import cornu as tf

def forever():
    i = 0
    while True:
        i += 1
        yield i

def stuck():
    yield 1
    threading.Event().wait()  # blocks forever in a background thread

ds = data.Dataset.from_generator(forever, output_signature=tf.TensorSpec((), tf.int64))
ds = ds.map(lambda x: x * 2, num_parallel_calls=4).prefetch(8)
it = iter(ds)
print(int(next(it)), int(next(it)))
blocked = iter(data.Dataset.from_generator(stuck, output_signature=tf.TensorSpec((), tf.int64)).prefetch(2))
print(int(next(blocked)))
# exit with both iterators alive: daemon threads must not keep the interpreter running
"""


def test_interpreter_exits_with_live_pipelines():
    out = subprocess.run([sys.executable, "-c", _EXIT_SCRIPT], cwd=ROOT, capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["2", "4", "1"]
