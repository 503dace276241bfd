#![no_main]
//! See `mlloss::fuzzing::labels`.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| mlloss::fuzzing::labels(data));
