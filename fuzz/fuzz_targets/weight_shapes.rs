#![no_main]
//! `loss` with weight files of every shape: see
//! `mlloss::fuzzing::weight_shapes`.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| mlloss::fuzzing::weight_shapes(data));
