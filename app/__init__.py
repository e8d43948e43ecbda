"""Peer Assist Live: run a peer assist from the room."""
