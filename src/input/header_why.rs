//! How a text table's first line was taken (a header, or data), and why:
//! what a text format's reader decides, the pairing may settle, and
//! `--explain` says.

/// How a text table's first line was taken, and why: what `--explain`
/// says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeaderWhy {
    /// Data: the first line holds numbers.
    Numbers,
    /// A header: a line of text with no number in it.
    Names,
    /// A header, as `--input-header yes` says.
    ToldHeader,
    /// Data, as `--input-header no` says.
    ToldData,
    /// pandas' default names after an empty cell (`,0,1,…`: its index).
    PandasIndexed,
    /// pandas' default names `0,1,…,C−1`, some of which this input cannot
    /// hold as values.
    PandasOutOfDomain,
    /// pandas' default names above a row of floats written as pandas
    /// writes them (with a point or an exponent).
    PandasAboveFloats,
    /// pandas' default names, as the other input's first line is, and the
    /// input one line longer than the other's rows.
    PandasByCount,
    /// Could be pandas' default names, but as many lines as the other
    /// input's rows, which has pandas' names.
    DataByCount,
    /// Could be pandas' default names, but read as data: the other input
    /// starts with data.
    CandidateAsData,
}

impl HeaderWhy {
    /// Whether the first line is a header.
    pub fn is_header(self) -> bool {
        !matches!(
            self,
            HeaderWhy::Numbers
                | HeaderWhy::CandidateAsData
                | HeaderWhy::DataByCount
                | HeaderWhy::ToldData
        )
    }

    /// The reason, in words.
    pub fn text(self) -> &'static str {
        match self {
            HeaderWhy::Numbers => "no header (the first line holds numbers)",
            HeaderWhy::Names => "a header (the first line is text)",
            HeaderWhy::ToldHeader => "a header, as --input-header says",
            HeaderWhy::ToldData => "no header, as --input-header says",
            HeaderWhy::PandasIndexed => {
                "a header: pandas' default names 0,1,… after an empty cell (its index)"
            }
            HeaderWhy::PandasOutOfDomain => {
                "a header: pandas' default names 0,1,…,C-1, which are not values this input can hold"
            }
            HeaderWhy::PandasAboveFloats => {
                "a header: pandas' default names 0,1,…,C-1 above rows of floats (pandas writes a float with a point)"
            }
            HeaderWhy::PandasByCount => {
                "a header: pandas' default names 0,1,…,C-1, as the other input's, which has one row less than this has lines"
            }
            HeaderWhy::DataByCount => {
                "no header: its first line could be pandas' names 0,1,…,C-1, but it has as many lines as the other input has rows"
            }
            HeaderWhy::CandidateAsData => {
                "no header: its first line could be pandas' names 0,1,…,C-1, but the other input's first line is data"
            }
        }
    }
}
