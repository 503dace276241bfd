#![no_main]
//! gzip, zstd and zip (stored and deflated) around every matrix format:
//! read to the same rows as the plain input, see
//! `mlloss::fuzzing::containers`.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| mlloss::fuzzing::containers(data));
