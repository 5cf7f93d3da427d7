//! Fuzz target: see `ktm::harness::search_query`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    ktm::harness::search_query(data);
});
