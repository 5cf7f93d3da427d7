//! Fuzz target: see `ktm::harness::markdown`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    ktm::harness::markdown(data);
});
