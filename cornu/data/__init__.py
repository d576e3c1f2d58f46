"""`cornu.data`: input pipelines and the data files that ship with cornu."""
