"""Look inside cornu.function: the graph it traces for a linear model, forward and backward.

    python examples/graph_inspection.py [OUTPUT_DIR]

prints the forward graph of the model, then the graph of one training step (forward pass, the
backward pass that GradientTape adds, marked `# backward`, and the in-place variable updates), the
same step after the optimization passes (folded, simplified, fused: what actually runs), and writes the step's Graphviz DOT file to OUTPUT_DIR (default: the current directory). With Graphviz
installed (`apt-get install graphviz`) it also renders it to SVG; without it, run
`dot -Tsvg train_step.dot -o train_step.svg` anywhere Graphviz is.
"""
import os
import shutil
import sys

import cornu as tf
from cornu.graph.passes import optimize

w = tf.Variable([[0.5], [-0.25]], name="w")
b = tf.Variable([0.0], name="b")


@tf.function
def predict(x):
    return tf.matmul(x, w) + b


@tf.function
def train_step(x, y, learning_rate=0.05):
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(tf.square(predict(x) - y))  # predict's graph is inlined here
    dw, db = tape.gradient(loss, [w, b])
    w.assign_sub(learning_rate * dw)
    b.assign_sub(learning_rate * db)
    return loss


@tf.function
def relu_gradient(x):
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.reduce_sum(tf.nn.relu(x * 2.0 + 1.0))
    return tape.gradient(y, x)


def main(out_dir="."):
    x = tf.constant([[1.0, 2.0], [2.0, 1.0], [3.0, 0.5], [0.5, 3.0]])
    y = tf.constant([[3.0], [1.5], [1.0], [5.0]])  # y = -1 * x0 + 2 * x1 ... roughly

    print("Forward graph of predict:")
    print(predict.get_concrete_function(x).graph)
    print()
    step = train_step.get_concrete_function(x, y)
    print("One training step (forward, backward, updates):")
    print(step.graph)
    print()
    print("The same step after the optimization passes (what the executor runs):")
    print(optimize(step.graph))
    print()
    print("A relu layer's gradient on a (256, 64) batch: its elementwise chains fused into compiled kernels:")
    print(optimize(relu_gradient.get_concrete_function(tf.random.normal((256, 64))).graph))
    print()

    os.makedirs(out_dir, exist_ok=True)
    dot_path = os.path.join(out_dir, "train_step.dot")
    with open(dot_path, "w") as f:
        f.write(step.graph.to_dot() + "\n")
    print(f"wrote {dot_path}")
    if shutil.which("dot"):
        print(f"wrote {step.graph.render(os.path.join(out_dir, 'train_step.svg'))}")
    else:
        print("Graphviz's `dot` is not installed: render the DOT file with "
              "`dot -Tsvg train_step.dot -o train_step.svg`")

    for i in range(200):
        loss = train_step(x, y)
    print(f"after 200 steps: loss {float(loss):.4f}, w = {w.numpy().ravel()}, b = {b.numpy()}, "
          f"{train_step.experimental_get_tracing_count()} trace(s)")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else ".")
