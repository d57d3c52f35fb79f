"""Tooling shared by the tests, the benchmarks and the sample generator: hand-made PDFs and the OCR
error rates. Not part of the installed product, and no test module: tests/, bench/ and sample/ may
all import it, and it imports none of them."""
