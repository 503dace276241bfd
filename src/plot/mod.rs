//! `curves --plot`: a figure of curves as SVG or PNG, drawn by plotters
//! with no system font: the text is laid out with DejaVu Sans, shipped in
//! assets/ (Bitstream Vera licence, assets/DejaVuSans.LICENSE) and built
//! into the binary. Pure drawing: the figure in, the file's bytes out.

use std::sync::OnceLock;

use plotters::coord::Shift;
use plotters::prelude::*;

/// The font's name for plotters, registered once.
const FONT: &str = "sans-serif";
static FONT_FILE: &[u8] = include_bytes!("../../assets/DejaVuSans.ttf");
static REGISTERED: OnceLock<Result<(), String>> = OnceLock::new();

/// The figure's size in pixels (SVG: its viewport).
pub const WIDTH: u32 = 800;
pub const HEIGHT: u32 = 600;

/// What the figure shows: its axes and whether the diagonal is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Diagram {
    /// fpr → tpr, with the chance diagonal.
    Roc,
    /// recall → precision, drawn as steps (scikit-learn's display draws
    /// `drawstyle="steps-post"`).
    PrecisionRecall,
    /// mean predicted → fraction of positives, with the diagonal of perfect
    /// calibration and a marker per bin.
    Reliability,
}

impl Diagram {
    fn axes(self) -> (&'static str, &'static str) {
        match self {
            Diagram::Roc => ("False positive rate", "True positive rate"),
            Diagram::PrecisionRecall => ("Recall", "Precision"),
            Diagram::Reliability => ("Mean predicted probability", "Fraction of positives"),
        }
    }

    fn has_diagonal(self) -> bool {
        self != Diagram::PrecisionRecall
    }
}

/// One line of the figure: its legend (the class and its AUC or AP) and its
/// points in drawing order.
#[derive(Debug, Clone)]
pub struct Line {
    pub label: String,
    pub points: Vec<(f64, f64)>,
}

/// A figure: a diagram, a title, its lines and the points marked on them.
/// A line with a non-finite point (an undefined class) is drawn by the
/// caller's choice only: lines are drawn as given.
#[derive(Debug, Clone)]
pub struct Figure {
    pub diagram: Diagram,
    pub title: String,
    pub lines: Vec<Line>,
    pub marks: Vec<Mark>,
}

/// A point marked on a line (a decision rule's operating point): a disc of
/// the line's colour ringed in black. A non-finite point is not drawn.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Mark {
    /// The line's index in [`Figure::lines`] (its colour).
    pub line: usize,
    pub point: (f64, f64),
}

/// The picture formats `--plot` writes, by the file's extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PictureFormat {
    Svg,
    Png,
}

impl PictureFormat {
    /// The format of a file name (`.svg` or `.png`, any case).
    pub fn of_path(path: &std::path::Path) -> Option<PictureFormat> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "svg" => Some(PictureFormat::Svg),
            "png" => Some(PictureFormat::Png),
            _ => None,
        }
    }
}

/// The figure as the file's bytes.
pub fn render(figure: &Figure, format: PictureFormat) -> Result<Vec<u8>, String> {
    REGISTERED
        .get_or_init(|| {
            plotters::style::register_font(FONT, FontStyle::Normal, FONT_FILE)
                .map_err(|_| "the built-in font (DejaVu Sans) could not be read".to_owned())
        })
        .clone()?;
    match format {
        PictureFormat::Svg => {
            let mut text = String::new();
            {
                let root = SVGBackend::with_string(&mut text, (WIDTH, HEIGHT)).into_drawing_area();
                draw(&root, figure).map_err(|e| e.to_string())?;
            }
            Ok(text.into_bytes())
        }
        PictureFormat::Png => {
            let mut rgb = vec![0u8; WIDTH as usize * HEIGHT as usize * 3];
            {
                let root =
                    BitMapBackend::with_buffer(&mut rgb, (WIDTH, HEIGHT)).into_drawing_area();
                draw(&root, figure).map_err(|e| e.to_string())?;
            }
            encode_png(&rgb)
        }
    }
}

/// RGB pixels as a PNG file.
fn encode_png(rgb: &[u8]) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, WIDTH, HEIGHT);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header().map_err(|e| e.to_string())?;
    writer.write_image_data(rgb).map_err(|e| e.to_string())?;
    writer.finish().map_err(|e| e.to_string())?;
    Ok(out)
}

/// The line's points as drawn: steps for precision–recall (each point's
/// precision holds until the next recall).
fn drawn(diagram: Diagram, points: &[(f64, f64)]) -> Vec<(f64, f64)> {
    if diagram != Diagram::PrecisionRecall {
        return points.to_vec();
    }
    let mut steps = Vec::with_capacity(points.len() * 2);
    for (k, &p) in points.iter().enumerate() {
        if k > 0 {
            steps.push((p.0, points[k - 1].1));
        }
        steps.push(p);
    }
    steps
}

type DrawResult<DB> = Result<(), DrawingAreaErrorKind<<DB as DrawingBackend>::ErrorType>>;

fn draw<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, figure: &Figure) -> DrawResult<DB> {
    root.fill(&WHITE)?;
    let mut chart = ChartBuilder::on(root)
        .caption(&figure.title, (FONT, 22))
        .margin(15)
        .x_label_area_size(45)
        .y_label_area_size(55)
        .build_cartesian_2d(0f64..1f64, 0f64..1.05f64)?;
    let (x_desc, y_desc) = figure.diagram.axes();
    chart
        .configure_mesh()
        .x_desc(x_desc)
        .y_desc(y_desc)
        .label_style((FONT, 14))
        .axis_desc_style((FONT, 16))
        .draw()?;
    if figure.diagram.has_diagonal() {
        let grey = RGBColor(128, 128, 128);
        chart.draw_series(LineSeries::new(
            [(0.0, 0.0), (1.0, 1.0)],
            grey.stroke_width(1),
        ))?;
    }
    for (k, line) in figure.lines.iter().enumerate() {
        let colour = Palette99::pick(k).to_rgba();
        let style = colour.stroke_width(2);
        let points = drawn(figure.diagram, &line.points);
        chart
            .draw_series(LineSeries::new(points, style))?
            .label(&line.label)
            .legend(move |(x, y)| PathElement::new([(x, y), (x + 20, y)], style));
        if figure.diagram == Diagram::Reliability {
            chart.draw_series(
                line.points
                    .iter()
                    .map(|&p| Circle::new(p, 3, colour.filled())),
            )?;
        }
    }
    for mark in &figure.marks {
        let (x, y) = mark.point;
        if !(x.is_finite() && y.is_finite()) {
            continue;
        }
        let colour = Palette99::pick(mark.line).to_rgba();
        chart.draw_series([
            Circle::new(mark.point, 6, colour.filled()),
            Circle::new(mark.point, 6, BLACK.stroke_width(1)),
        ])?;
    }
    chart
        .configure_series_labels()
        .position(match figure.diagram {
            Diagram::PrecisionRecall => SeriesLabelPosition::LowerLeft,
            _ => SeriesLabelPosition::LowerRight,
        })
        .label_font((FONT, 14))
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .draw()?;
    root.present()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn figure(diagram: Diagram) -> Figure {
        Figure {
            diagram,
            title: "ROC".into(),
            lines: vec![
                Line {
                    label: "a (AUC = 0.75)".into(),
                    points: vec![(0.0, 0.0), (0.5, 0.5), (0.5, 1.0), (1.0, 1.0)],
                },
                Line {
                    label: "b (AUC = 0.5)".into(),
                    points: vec![(0.0, 0.0), (1.0, 1.0)],
                },
            ],
            marks: Vec::new(),
        }
    }

    #[test]
    fn a_png_has_the_signature_and_the_size() {
        let bytes = render(&figure(Diagram::Roc), PictureFormat::Png).unwrap();
        let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
        let reader = decoder.read_info().unwrap();
        assert_eq!((reader.info().width, reader.info().height), (WIDTH, HEIGHT));
    }

    fn polylines(figure: &Figure) -> usize {
        let bytes = render(figure, PictureFormat::Svg).unwrap();
        let text = String::from_utf8(bytes).unwrap();
        assert!(text.starts_with("<svg"), "{}", &text[..40]);
        text.matches("<polyline").count()
    }

    #[test]
    fn an_svg_has_a_polyline_per_line_legend_and_diagonal() {
        let two = figure(Diagram::Roc);
        let none = Figure {
            lines: Vec::new(),
            ..two.clone()
        };
        // Each line and its legend mark; the mesh's lines are the rest.
        assert_eq!(polylines(&two), polylines(&none) + 4);
        let no_diagonal = Figure {
            diagram: Diagram::PrecisionRecall,
            ..none.clone()
        };
        assert_eq!(polylines(&none), polylines(&no_diagonal) + 1);
    }

    #[test]
    fn a_mark_is_two_circles_and_a_non_finite_one_is_not_drawn() {
        let circles = |figure: &Figure| {
            let bytes = render(figure, PictureFormat::Svg).unwrap();
            String::from_utf8(bytes).unwrap().matches("<circle").count()
        };
        let plain = figure(Diagram::Roc);
        let marked = Figure {
            marks: vec![
                Mark {
                    line: 0,
                    point: (0.5, 1.0),
                },
                Mark {
                    line: 1,
                    point: (f64::NAN, 0.5),
                },
            ],
            ..plain.clone()
        };
        assert_eq!(circles(&marked), circles(&plain) + 2);
    }

    #[test]
    fn precision_recall_is_drawn_as_steps() {
        let got = drawn(
            Diagram::PrecisionRecall,
            &[(1.0, 0.5), (0.5, 1.0), (0.0, 1.0)],
        );
        assert_eq!(
            got,
            vec![(1.0, 0.5), (0.5, 0.5), (0.5, 1.0), (0.0, 1.0), (0.0, 1.0)]
        );
    }

    #[test]
    fn extensions_choose_the_format() {
        let of = |p: &str| PictureFormat::of_path(std::path::Path::new(p));
        assert_eq!(of("a.SVG"), Some(PictureFormat::Svg));
        assert_eq!(of("dir/a.png"), Some(PictureFormat::Png));
        assert_eq!(of("a.jpg"), None);
    }
}
