//! Fuzz target: see `ktm::harness::cel_checks`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    ktm::harness::cel_checks(data);
});
