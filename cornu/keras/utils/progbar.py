"""Keras's progress bar: `63/63 ━━━━━━━━━━━━━━━━━━━━ 1s 9ms/step - accuracy: 0.9 - loss: 0.3`.

On a terminal the line is redrawn in place (at most every `interval` seconds); when the output is not
a terminal (CI logs, captured notebook output) only the final line of each bar is written.
"""
import os
import sys
import time


class Progbar:
    """Displays progress of `target` steps; `update(current, values)` with (name, value) pairs."""

    def __init__(self, target, width=20, verbose=1, interval=0.05, stateful_metrics=None, unit_name="step"):
        self.target, self.width, self.verbose, self.interval = target, width, verbose, interval
        self.unit_name = unit_name
        self._values = {}
        self._start = time.time()
        self._last_update = 0.0
        self._seen = 0
        stream = sys.stdout
        self._dynamic = (hasattr(stream, "isatty") and stream.isatty()) or "ipykernel" in sys.modules \
            or os.environ.get("CORNU_PROGBAR_DYNAMIC") == "1"
        self._line_width = 0

    def update(self, current, values=None, finalize=None):
        if finalize is None:
            finalize = self.target is not None and current >= self.target
        for name, value in values or []:
            self._values[name] = value
        self._seen = current
        now = time.time()
        if self.verbose == 1:
            if not finalize and (now - self._last_update < self.interval or not self._dynamic):
                return
            line = self._bar_line(current, now, finalize)
            if self._dynamic:
                padding = max(self._line_width - len(line), 0)
                sys.stdout.write("\r" + line + " " * padding)
                self._line_width = len(line)
            else:
                sys.stdout.write(line)
            if finalize:
                sys.stdout.write("\n")
            sys.stdout.flush()
        elif self.verbose == 2 and finalize:
            elapsed = now - self._start
            per_step = elapsed / max(current, 1)
            sys.stdout.write(f"{current}/{self.target} - {_format_time(elapsed)} - "
                             f"{_format_per_step(per_step, self.unit_name)}{self._metrics_text()}\n")
            sys.stdout.flush()
        self._last_update = now

    def add(self, n, values=None):
        self.update(self._seen + n, values)

    def _bar_line(self, current, now, finalize):
        elapsed = now - self._start
        if self.target is not None:
            width = len(str(self.target))
            done = int(self.width * current / self.target) if self.target else self.width
            bar = ("\u2501" * done).ljust(self.width, " ") if not self._dynamic else \
                "\u2501" * done + "\x1b[37m" + "\u2501" * (self.width - done) + "\x1b[0m"
            head = f"{str(current).rjust(width)}/{self.target} {bar} "
        else:
            head = f"{current} "
        per_step = elapsed / max(current, 1)
        if finalize:
            timing = f"{_format_time(elapsed)} {_format_per_step(per_step, self.unit_name)}"
        else:
            eta = per_step * (self.target - current) if self.target else 0
            timing = f"{_format_time(eta)}"
        return head + timing + self._metrics_text()

    def _metrics_text(self):
        parts = []
        for name, value in self._values.items():
            try:
                value = float(value)
                parts.append(f" - {name}: {value:.4f}" if abs(value) >= 1e-3 or value == 0
                             else f" - {name}: {value:.4e}")
            except (TypeError, ValueError):
                parts.append(f" - {name}: {value}")
        return "".join(parts)


def _format_time(seconds):
    if seconds >= 3600:
        return f"{int(seconds // 3600)}:{int(seconds % 3600 // 60):02d}:{int(seconds % 60):02d}"
    if seconds >= 60:
        return f"{int(seconds // 60)}:{int(seconds % 60):02d}"
    return f"{int(round(seconds))}s"


def _format_per_step(seconds, unit):
    if seconds >= 1:
        return f"{seconds:.0f}s/{unit}"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.0f}ms/{unit}"
    return f"{seconds * 1e6:.0f}us/{unit}"
