#![no_main]
//! See `mlloss::fuzzing::records_and_target_labels`.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| mlloss::fuzzing::records_and_target_labels(data));
