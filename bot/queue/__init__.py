"""The durable queue: intake before ack, the inbox, leases with fencing, and the workers."""
