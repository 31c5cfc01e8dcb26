"""The processing stages: plain functions, each unaware of the stage after it."""
