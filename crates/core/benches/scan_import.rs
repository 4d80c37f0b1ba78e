//! Scan import benchmark (sanitize of a 12 MP JPEG).
fn main() {}
