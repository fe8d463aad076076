"""Read models: one module per view, each a pure "event -> row changes" function plus its SQL,
and the runner that applies them exactly once."""
