"""`keras.datasets.fashion_mnist`: Zalando's article images (H. Xiao, K. Rasul, R. Vollgraf; MIT
license), the same format as MNIST.

Labels: 0 T-shirt/top, 1 Trouser, 2 Pullover, 3 Dress, 4 Coat, 5 Sandal, 6 Shirt, 7 Sneaker, 8 Bag,
9 Ankle boot (`CLASS_NAMES`).
"""
from ...data import download, loaders

# Base URLs tried in turn (Keras's mirror first, then Zalando's). Override by assigning this list, or
# with $CORNU_FASHION_MNIST_MIRRORS (base URLs separated by commas or spaces).
MIRRORS = [
    "https://storage.googleapis.com/tensorflow/tf-keras-datasets/",
    "https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/",
    "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
]
MIRRORS_ENV = "CORNU_FASHION_MNIST_MIRRORS"

# SHA-256 of the files Zalando Research publishes (github.com/zalandoresearch/fashion-mnist).
FILES = {
    loaders.TRAIN_IMAGES: "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84",
    loaders.TRAIN_LABELS: "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845",
    loaders.TEST_IMAGES: "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073",
    loaders.TEST_LABELS: "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5",
}

CLASS_NAMES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
               "Ankle boot"]


def load_data():
    """Loads the Fashion-MNIST dataset: 60,000 28x28 grayscale training images of 10 kinds of
    clothing and 10,000 test images.

    The four IDX files are downloaded on first use from `MIRRORS`, tried in turn, each checked against
    its SHA-256 (`FILES`), and cached in `$CORNU_HOME/datasets/fashion-mnist/` (default
    `~/.cornu/...`); later calls read the cache without a network. Without a network, place the files
    there by hand (the error says which and where).

    Returns:
        `(x_train, y_train), (x_test, y_test)`: uint8 images of shape (60000, 28, 28) and
        (10000, 28, 28), uint8 labels 0 to 9 of shape (60000,) and (10000,).

    Raises:
        cornu.data.download.DownloadError: the files are not cached and no mirror delivered them.
    """
    return loaders.load_idx_dataset("fashion_mnist.load_data", FILES,
                                    download.mirrors_from_env(MIRRORS_ENV, MIRRORS),
                                    download.dataset_dir("fashion-mnist"))
