"""Support for the passive-conformance tests: a client like the vendor's fetch samples, and a proxy
in front of a (faulty) implementation."""
