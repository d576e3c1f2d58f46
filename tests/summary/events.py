"""Reading event files back with TensorBoard's own reader (EventAccumulator), for the summary tests."""
import numpy as np


def load(logdir):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    acc = EventAccumulator(str(logdir), size_guidance={"tensors": 0, "scalars": 0, "histograms": 0,
                                                       "images": 0, "compressedHistograms": 0})
    acc.Reload()
    return acc


def tensors(acc, tag):
    """[(step, value as a NumPy array)] of a tag's tensor summaries."""
    from tensorboard.util import tensor_util
    return [(e.step, tensor_util.make_ndarray(e.tensor_proto)) for e in acc.Tensors(tag)]


def scalars(acc, tag):
    """[(step, float)] of a tag's TF2 scalar summaries."""
    return [(step, float(value)) for step, value in tensors(acc, tag)]


def plugin(acc, tag):
    return acc.SummaryMetadata(tag).plugin_data.plugin_name


def decode_png(data):
    """A PNG as a uint8 array [height, width, channels], decoded with Pillow."""
    import io
    from PIL import Image
    image = np.asarray(Image.open(io.BytesIO(data)))
    return image[..., None] if image.ndim == 2 else image
