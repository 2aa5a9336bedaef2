"""The public test kit (layer 4): fakes, builders and Hypothesis strategies for clusters."""
