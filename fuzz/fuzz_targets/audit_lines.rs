//! Fuzz target: see `ktm::harness::audit_lines`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    ktm::harness::audit_lines(data);
});
