"""CSVLogger: stream each epoch's logs to a CSV file (Keras's columns and format).

>>> import os, tempfile
>>> import cornu as tf
>>> path = os.path.join(tempfile.mkdtemp(), "log.csv")
>>> logger = tf.keras.callbacks.CSVLogger(path)
>>> logger.on_train_begin()
>>> logger.on_epoch_end(0, {"loss": 0.5, "accuracy": 0.75})
>>> logger.on_train_end()
>>> print(open(path).read().splitlines())
['epoch,accuracy,loss,val_accuracy,val_loss', '0,0.75,0.5,NA,NA']
"""
import collections.abc
import csv
import os

from ...core.tensor import Tensor
from .callback import Callback


class CSVLogger(Callback):
    """Write one CSV row per epoch: 'epoch' then the log keys in sorted order.

    The columns are fixed at the first epoch. If no key there starts with 'val_', a 'val_' column is
    added for each key (so validation logs that first appear later, e.g. with `validation_freq`, have a
    column); missing values are written as 'NA'. Lists and arrays are written as '"[a, b]"'.

    Args:
        filename: the CSV file's path (a str or os.PathLike).
        separator: the string between fields.
        append: True appends to an existing file (no second header if it is not empty); False
            overwrites it.
    """

    def __init__(self, filename, separator=",", append=False):
        super().__init__()
        self.sep = separator
        self.filename = os.fspath(filename)
        self.append = append
        self.writer = None
        self.keys = None
        self.append_header = True
        self.csv_file = None

    def on_train_begin(self, logs=None):
        if self.append:
            if os.path.exists(self.filename):
                with open(self.filename, "r", newline="") as f:
                    self.append_header = not bool(len(f.readline()))
            mode = "a"
        else:
            mode = "w"
        if self.csv_file and not self.csv_file.closed:
            self.csv_file.close()
        # newline="": the csv module writes its own '\r\n' line endings, as Keras's files have
        self.csv_file = open(self.filename, mode, newline="")
        self.writer = None
        self.keys = None

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        if self.keys is None:
            self.keys = sorted(logs.keys())
            # with validation_freq > 1 the first epoch has no val_ keys: make their columns now
            if self.keys and not any(k.startswith("val_") for k in self.keys):
                self.keys.extend(["val_" + k for k in self.keys])
        if not self.writer:
            class CustomDialect(csv.excel):
                delimiter = self.sep

            self.writer = csv.DictWriter(self.csv_file, fieldnames=["epoch"] + (self.keys or []),
                                         dialect=CustomDialect)
            if self.append_header:
                self.writer.writeheader()
        row = {"epoch": epoch}
        row.update((key, _handle_value(logs.get(key, "NA"))) for key in self.keys)
        self.writer.writerow(row)
        self.csv_file.flush()

    def on_train_end(self, logs=None):
        if self.csv_file and not self.csv_file.closed:
            self.csv_file.close()
        self.writer = None


def _handle_value(value):
    if isinstance(value, Tensor):
        value = value.numpy()
    if isinstance(value, str):
        return value
    if getattr(value, "ndim", None) == 0:
        return value
    if isinstance(value, collections.abc.Iterable):
        return f'"[{", ".join(map(str, value))}]"'
    return value
