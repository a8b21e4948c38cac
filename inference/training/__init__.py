"""Training side of the engine: the clip manifest, synthetic clips and augmentation, the
torch window classifier, training the shipped weights, cross-validated evaluation.

Nothing in the runtime (the rest of `inference`) imports this package; it imports the
runtime (features, counting, heads, ...) and torch. `training.cli` adds the `train` and
`evaluate` subcommands to `python -m inference`.
"""
