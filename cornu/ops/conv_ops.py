"""Convolutions and pooling (NHWC, like TF) through im2col patches and BLAS matmul."""
