//! Unit tests of the importer checks: sniffing, the keep-lists, the PDF pre-scan.
