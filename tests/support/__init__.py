"""What tests share: the demo's IDs, ports to Connect (fake and real), the CLI runner, golden files."""
