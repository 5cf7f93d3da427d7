//! Fuzz target: see `ktm::harness::manifests`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    ktm::harness::manifests(data);
});
