// Builds the core tests' precompiled header (testpch.h); nothing else.
