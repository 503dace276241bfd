#![no_main]
//! Parquet and Feather files with fuzzed pandas metadata, read and paired:
//! see `mlloss::fuzzing::pandas_meta`.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| mlloss::fuzzing::pandas_meta(data));
