"""A brand simulator: believable private-domain data for the demo, tests and benchmarks."""
