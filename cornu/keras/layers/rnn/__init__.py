"""Recurrent layers: the RNN loop, the SimpleRNN / LSTM / GRU cells and layers (Masking lives in core.py)."""
from .rnn import RNN  # noqa: F401
from .stacked_rnn_cells import StackedRNNCells  # noqa: F401
from .simple_rnn import SimpleRNN, SimpleRNNCell  # noqa: F401
from .lstm import LSTM, LSTMCell  # noqa: F401
from .gru import GRU, GRUCell  # noqa: F401
