//! NumPy `.npy` output (`--output-format npy`, or `-o x.npy`): the result
//! as `np.load` reads it, float64 (binarize: uint8) in C order, of the
//! result's shape. Numbers are written as their 8 bytes, so a large
//! `--reduction none` costs no decimal formatting at all.
//!
//! The header holds the shape, which is known only at the end when rows
//! stream: its room is reserved at the start of the output (see
//! [`Output::reserve_header`]) and filled in when the result ends.

use std::io;

use super::model::{
    Batch, Digits, Element, Exporter, FormatEntry, IndicatorRow, ResultKind, ResultShape,
    RowLayout, Stream, le_bytes,
};
use super::sink::Output;

/// Room for the header of any shape a result can have (its dimensions'
/// digits, at most about 20 per dimension and 64 in all for the rank NumPy
/// allows), a multiple of 64 as NumPy pads it, so that the data are aligned.
const HEADER_BYTES: usize = 320;

pub(super) const NPY: FormatEntry = FormatEntry {
    name: "npy",
    help: "NumPy's .npy: float64 (binarize: uint8) in C order, of the result's shape",
    extensions: &["npy"],
    // Numbers only: no text, and a key is not written (rows are in
    // LOGITS' order).
    holds: &[ResultKind::Numbers, ResultKind::Indicators],
    needs_file: false,
    exporter: |_: Digits| Box::new(Npy),
};

pub(super) struct Npy;

impl Exporter for Npy {
    #[inline]
    fn numbers_row(&self, out: &mut Batch, _key: Option<&str>, values: &[f64], _index: u64) {
        le_bytes(&mut out.bytes, values);
    }

    #[inline]
    fn number_row(&self, out: &mut Batch, _key: Option<&str>, value: f64, _index: u64) {
        out.bytes.extend_from_slice(&value.to_le_bytes());
    }

    fn indicator_row(&self, columns: usize) -> IndicatorRow {
        IndicatorRow::bytes(columns)
    }

    #[inline]
    fn indicator(&self, out: &mut Batch, row: &IndicatorRow, _index: u64) {
        out.bytes.extend_from_slice(row.text());
    }

    fn scalar(&self, out: &mut Batch, value: f64) {
        out.bytes.extend_from_slice(&value.to_le_bytes());
    }

    fn per_class(&self, out: &mut Batch, values: &[f64]) {
        le_bytes(&mut out.bytes, values);
    }

    fn stream(&self, mut out: Output) -> io::Result<Box<dyn Stream>> {
        out.reserve_header(HEADER_BYTES)?;
        Ok(Box::new(NpyStream { out }))
    }
}

/// The data as they come, behind room for the header, which holds the
/// shape known only at the end.
struct NpyStream {
    out: Output,
}

impl Stream for NpyStream {
    fn begin(&mut self, _layout: &RowLayout, _batch: &mut Batch) -> io::Result<()> {
        Ok(())
    }

    #[inline]
    fn write(&mut self, batch: &mut Batch) -> io::Result<()> {
        self.out.write_bytes(&batch.bytes)?;
        batch.bytes.clear();
        Ok(())
    }

    fn end(mut self: Box<Self>, shape: &ResultShape) -> io::Result<Output> {
        let Some(header) = npy_header(shape, HEADER_BYTES) else {
            let what = format!(
                "a result of shape {:?} does not fit a .npy header",
                shape.dims
            );
            return Err(io::Error::other(what));
        };
        self.out.set_header(header)?;
        Ok(self.out)
    }

    fn output(&mut self) -> &mut Output {
        &mut self.out
    }
}

/// A version 1.0 `.npy` header for `shape`, padded with spaces to `total`
/// bytes (magic and length included), as `np.save` pads to 64; `None` if
/// it does not fit.
fn npy_header(shape: &ResultShape, total: usize) -> Option<Vec<u8>> {
    let descr = match shape.element {
        Element::F64 => "<f8",
        Element::U8 => "|u1",
    };
    let dims = match shape.dims.as_slice() {
        [] => "()".to_owned(),
        [n] => format!("({n},)"),
        dims => {
            let dims: Vec<String> = dims.iter().map(u64::to_string).collect();
            format!("({})", dims.join(", "))
        }
    };
    let dict = format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': {dims}, }}");
    if 10 + dict.len() + 1 > total {
        return None;
    }
    let mut header = b"\x93NUMPY\x01\x00".to_vec();
    let len = u16::try_from(total - 10).ok()?;
    header.extend_from_slice(&len.to_le_bytes());
    header.extend_from_slice(dict.as_bytes());
    header.resize(total - 1, b' ');
    header.push(b'\n');
    Some(header)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What `np.save` writes for these shapes, but for the padding.
    #[test]
    fn headers_hold_the_shape() {
        let header = |dims: &[u64], element| {
            let shape = ResultShape {
                dims: dims.to_vec(),
                element,
            };
            let bytes = npy_header(&shape, HEADER_BYTES).unwrap();
            assert_eq!(bytes.len(), HEADER_BYTES);
            assert_eq!(
                u16::from_le_bytes([bytes[8], bytes[9]]) as usize,
                HEADER_BYTES - 10
            );
            assert!(bytes.ends_with(b" \n"));
            String::from_utf8(bytes[10..].to_vec())
                .unwrap()
                .trim_end()
                .to_owned()
        };
        assert_eq!(
            header(&[3, 2], Element::F64),
            "{'descr': '<f8', 'fortran_order': False, 'shape': (3, 2), }"
        );
        assert_eq!(
            header(&[5], Element::U8),
            "{'descr': '|u1', 'fortran_order': False, 'shape': (5,), }"
        );
        assert_eq!(
            header(&[], Element::F64),
            "{'descr': '<f8', 'fortran_order': False, 'shape': (), }"
        );
        // The largest shapes fit: 64 dimensions, or 4 of the largest size.
        let max = [u64::MAX; 4];
        assert!(header(&max, Element::F64).contains(&u64::MAX.to_string()));
        assert!(header(&[1; 64], Element::F64).contains("(1, 1, "));
    }
}
