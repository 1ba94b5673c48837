"""Store-and-forward delivery: the durable outbox, retry policy, push transport, pull inbox,
dead letters and the workers that drive them."""
