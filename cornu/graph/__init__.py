"""Static graphs: tracing Python into a graph of ops (`cornu.function`), graph-level autodiff and the
executor that runs a graph as a flat schedule."""
