"""Neural-network ops: activations, softmax family, cross-entropies, dropout, normalization."""
