"""HTTP and websocket entry points. Thin: parse, call an action, publish, answer."""
