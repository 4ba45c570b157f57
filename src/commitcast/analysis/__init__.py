"""What-if analysis on the batched engine: compare, bridge, sensitivity, solve, exit."""
