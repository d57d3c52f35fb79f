"""Catalogue reports (HTML site, CSV, Dublin Core, JSON, PDF); reads the archive, never writes it.

Entry point: reports.build.build_reports(engine, out_dir, fmt, flt=..., query=...). Writers are listed
in reports.registry.WRITERS; each takes a ReportContext and writes through its OutputDir.
"""
