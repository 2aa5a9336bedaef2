"""The Kubernetes object model (layer 0): frozen msgspec Structs, quantities, selectors,
defaulting, validation and manifest loading. Pure data, no I/O beyond reading manifest text."""
