//! Fuzz target: see `ktm::harness::matrix_yaml`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    ktm::harness::matrix_yaml(data);
});
