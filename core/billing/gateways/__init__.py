"""Outside payment systems: one client module and one loopback simulator each."""
