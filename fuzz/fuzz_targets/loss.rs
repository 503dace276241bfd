#![no_main]
//! See `mlloss::fuzzing::loss`.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| mlloss::fuzzing::loss(data));
