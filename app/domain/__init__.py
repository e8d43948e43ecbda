"""The rules of a peer assist as pure code: phases, timers, mute and permissions. No I/O."""
