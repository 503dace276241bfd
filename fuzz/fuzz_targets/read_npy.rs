#![no_main]
//! The NumPy .npy reader of numeric matrices (header, dtypes, orders),
//! cut into chunks three ways: see `mlloss::fuzzing::matrix`.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| mlloss::fuzzing::matrix(mlloss::fuzzing::format_named("npy"), data));
