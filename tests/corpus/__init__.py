"""The bad-input corpus: landing folders built from the minimal bank, each with its expected outcome."""
