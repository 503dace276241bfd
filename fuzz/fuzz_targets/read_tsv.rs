#![no_main]
//! The Tsv reader of numeric matrices (incl. BOM and header handling),
//! cut into chunks three ways: see `mlloss::fuzzing::matrix`.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| mlloss::fuzzing::matrix(mlloss::fuzzing::format_named("tsv"), data));
