"""Live fan-out: the hub, its backends (memory, Redis), and presence."""
