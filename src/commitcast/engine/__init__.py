"""Layer 5, engine: one batched pass from inputs to monthly arrays (runs x months), contract
schedules on their full grid, summaries, and one scenario's projection."""
