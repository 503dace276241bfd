#![no_main]
//! See `mlloss::fuzzing::binarize`.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| mlloss::fuzzing::binarize(data));
